//! Model-card facts from the files a Hugging Face style model directory carries: `config.json`
//! (architecture, task, sizes) and the YAML front matter of `README.md` (licence, pipeline tag,
//! datasets, base model).

use std::path::Path;

use crate::collect::{CollectError, MAX_METADATA};
use modelseal_bom::bom::{License, ModelCard};

/// The input and output formats a task implies, when it clearly implies them.
pub fn task_formats(task: &str) -> Option<(&'static str, &'static str)> {
    Some(match task {
        "text-generation"
        | "text2text-generation"
        | "summarization"
        | "translation"
        | "fill-mask"
        | "question-answering"
        | "conversational" => ("text", "text"),
        "text-classification" | "token-classification" | "zero-shot-classification" => {
            ("text", "label")
        }
        "feature-extraction" | "sentence-similarity" => ("text", "embedding"),
        "image-classification" => ("image", "label"),
        "object-detection" => ("image", "bounding-boxes"),
        "image-segmentation" => ("image", "mask"),
        "text-to-image" => ("text", "image"),
        "image-to-text" => ("image", "text"),
        "automatic-speech-recognition" => ("audio", "text"),
        "text-to-speech" => ("text", "audio"),
        "audio-classification" => ("audio", "label"),
        _ => return None,
    })
}

/// The task a `transformers` architecture class name implies (`LlamaForCausalLM`).
fn task_of_architecture(architecture: &str) -> Option<&'static str> {
    const SUFFIXES: &[(&str, &str)] = &[
        ("ForCausalLM", "text-generation"),
        ("LMHeadModel", "text-generation"),
        ("ForConditionalGeneration", "text2text-generation"),
        ("ForSequenceClassification", "text-classification"),
        ("ForTokenClassification", "token-classification"),
        ("ForQuestionAnswering", "question-answering"),
        ("ForMaskedLM", "fill-mask"),
        ("ForImageClassification", "image-classification"),
        ("ForObjectDetection", "object-detection"),
        ("ForCTC", "automatic-speech-recognition"),
        ("ForSpeechSeq2Seq", "automatic-speech-recognition"),
    ];
    SUFFIXES
        .iter()
        .find(|(suffix, _)| architecture.ends_with(suffix))
        .map(|(_, task)| *task)
}

fn read_bounded(path: &Path) -> Result<Option<String>, CollectError> {
    match modelseal_fs::read_limited(path, MAX_METADATA) {
        Ok(bytes) => Ok(Some(String::from_utf8_lossy(&bytes).into_owned())),
        Err(e) if e.is_not_found() => Ok(None),
        Err(e) if matches!(e.reason, modelseal_fs::Reason::TooLarge { .. }) => {
            Err(CollectError::Invalid {
                path: path.to_path_buf(),
                line: None,
                message: format!("larger than {MAX_METADATA} bytes, not model metadata"),
            })
        }
        Err(e) => Err(e.into()),
    }
}

/// Sets a property unless the card already has it.
pub(super) fn set_property(card: &mut ModelCard, name: &str, value: impl Into<String>) {
    if !card.properties.iter().any(|(n, _)| n == name) {
        card.properties.push((name.to_owned(), value.into()));
    }
}

/// Adds `n` to a numeric property (parameter counts summed over the shards of a model).
pub(super) fn add_to_property(card: &mut ModelCard, name: &str, n: u64) {
    if let Some((_, value)) = card.properties.iter_mut().find(|(k, _)| k == name) {
        let sum = value.parse::<u64>().unwrap_or(0).saturating_add(n);
        *value = sum.to_string();
    } else {
        card.properties.push((name.to_owned(), n.to_string()));
    }
}

/// Reads a `transformers` `config.json`, if present.
pub(crate) fn read_config_json(path: &Path, card: &mut ModelCard) -> Result<(), CollectError> {
    let Some(text) = read_bounded(path)? else {
        return Ok(());
    };
    let config: serde_json::Value =
        serde_json::from_str(&text).map_err(|e| CollectError::json(path, &e))?;
    let Some(config) = config.as_object() else {
        return Ok(());
    };
    if let Some(family) = config.get("model_type").and_then(|v| v.as_str()) {
        card.architecture_family
            .get_or_insert_with(|| family.to_owned());
    }
    if let Some(architecture) = config
        .get("architectures")
        .and_then(|v| v.as_array())
        .and_then(|a| a.first())
        .and_then(|v| v.as_str())
    {
        card.model_architecture
            .get_or_insert_with(|| architecture.to_owned());
        if let Some(task) = task_of_architecture(architecture) {
            card.task.get_or_insert_with(|| task.to_owned());
        }
    }
    for key in [
        "torch_dtype",
        "dtype",
        "vocab_size",
        "hidden_size",
        "num_hidden_layers",
        "num_attention_heads",
        "max_position_embeddings",
        "transformers_version",
    ] {
        let value = match config.get(key) {
            Some(serde_json::Value::String(s)) => s.clone(),
            Some(serde_json::Value::Number(n)) => n.to_string(),
            _ => continue,
        };
        set_property(card, &format!("huggingface:config:{key}"), value);
    }
    if let Some(labels) = config.get("id2label").and_then(|v| v.as_object()) {
        set_property(
            card,
            "huggingface:config:num_labels",
            labels.len().to_string(),
        );
    }
    Ok(())
}

/// Reads the YAML front matter of a model card `README.md`, if present, and returns the licence
/// it declares. Only top-level scalars and lists of scalars are read, which is all the Hugging
/// Face model-card metadata uses for these keys; a YAML library is not needed for that.
pub(crate) fn read_readme(
    path: &Path,
    card: &mut ModelCard,
) -> Result<Option<License>, CollectError> {
    let Some(text) = read_bounded(path)? else {
        return Ok(None);
    };
    let fields = front_matter(&text);
    let get = |key: &str| fields.iter().find(|(k, _)| k == key).map(|(_, v)| v);
    if let Some(task) = get("pipeline_tag").and_then(|v| v.first()) {
        // The author's statement beats what the architecture suggests.
        card.task = Some(task.clone());
    }
    for (key, property) in [
        ("library_name", "huggingface:library_name"),
        ("base_model", "huggingface:base_model"),
        ("datasets", "huggingface:dataset"),
        ("language", "huggingface:language"),
    ] {
        for value in get(key).into_iter().flatten() {
            card.properties.push((property.to_owned(), value.clone()));
        }
    }
    let license = get("license").and_then(|v| v.first()).and_then(|id| {
        if id == "other" || id == "unknown" {
            get("license_name")
                .and_then(|n| n.first())
                .map(|n| License::Named(n.clone()))
        } else {
            Some(modelseal_bom::license::from_declared(id))
        }
    });
    Ok(license)
}

/// `key: value`, `key: [a, b]` and `key:` followed by `- item` lines, between the `---` lines
/// that open a Markdown file.
fn front_matter(text: &str) -> Vec<(String, Vec<String>)> {
    let mut lines = text.lines();
    if lines.next().map(str::trim_end) != Some("---") {
        return Vec::new();
    }
    let mut fields: Vec<(String, Vec<String>)> = Vec::new();
    for line in lines {
        if line.trim_end() == "---" {
            break;
        }
        if let Some(item) = line.trim_start().strip_prefix("- ") {
            if line.starts_with([' ', '-'])
                && let Some((_, values)) = fields.last_mut()
            {
                values.push(unquote(item));
            }
            continue;
        }
        if line.starts_with([' ', '\t', '#']) {
            continue;
        }
        let Some((key, value)) = line.split_once(':') else {
            continue;
        };
        let value = value.trim();
        let values = if let Some(inner) = value.strip_prefix('[').and_then(|v| v.strip_suffix(']'))
        {
            inner
                .split(',')
                .map(unquote)
                .filter(|v| !v.is_empty())
                .collect()
        } else if value.is_empty() {
            Vec::new()
        } else {
            vec![unquote(value)]
        };
        fields.push((key.trim().to_owned(), values));
    }
    fields
}

fn unquote(value: &str) -> String {
    let value = value.trim();
    value
        .strip_prefix('"')
        .and_then(|v| v.strip_suffix('"'))
        .or_else(|| value.strip_prefix('\'').and_then(|v| v.strip_suffix('\'')))
        .unwrap_or(value)
        .to_owned()
}

/// Fills inputs and outputs from the task when nothing more specific is known.
pub(crate) fn finish(card: &mut ModelCard) {
    if let Some((input, output)) = card.task.as_deref().and_then(task_formats) {
        if card.inputs.is_empty() {
            card.inputs.push(input.to_owned());
        }
        if card.outputs.is_empty() {
            card.outputs.push(output.to_owned());
        }
    }
    card.properties.sort();
    card.properties.dedup();
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn front_matter_scalars_and_lists() {
        let text = "---\nlicense: apache-2.0\npipeline_tag: text-generation\ndatasets:\n- squad\n  - 'glue'\nlanguage: [en, fr]\ntags:\n  # a comment\nbase_model: \"meta/llama\"\n---\n# Title\nlicense: mit\n";
        let fields = front_matter(text);
        let get = |k: &str| fields.iter().find(|(key, _)| key == k).unwrap().1.clone();
        assert_eq!(get("license"), ["apache-2.0"]);
        assert_eq!(get("datasets"), ["squad", "glue"]);
        assert_eq!(get("language"), ["en", "fr"]);
        assert_eq!(get("base_model"), ["meta/llama"]);
        assert!(fields.iter().all(|(k, _)| k != "# Title"));
        assert!(front_matter("no front matter\n---\n").is_empty());
    }

    #[test]
    fn architecture_implies_a_task() {
        assert_eq!(
            task_of_architecture("LlamaForCausalLM"),
            Some("text-generation")
        );
        assert_eq!(
            task_of_architecture("GPT2LMHeadModel"),
            Some("text-generation")
        );
        assert_eq!(task_of_architecture("BertModel"), None);
        let mut card = ModelCard {
            task: Some("image-classification".into()),
            ..ModelCard::default()
        };
        finish(&mut card);
        assert_eq!(
            (card.inputs, card.outputs),
            (vec!["image".to_owned()], vec!["label".to_owned()])
        );
    }
}
