//! pip requirements files (`requirements.txt`) as components: one per requirement, pinned
//! (`name==1.0`) or not (then without a version, and a warning), with the `--hash` values it
//! pins and the files it includes with `-r`.
//!
//! The format is pip's, not a standard: logical lines joined by trailing `\`, comments from a
//! `#` at the start or after whitespace, global options on lines of their own, per-requirement
//! options after the requirement. The requirement itself is PEP 508 (parsed with `pep508_rs`)
//! or a URL, a VCS URL or a local path.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use modelseal_fs::Reason;

use pep508_rs::pep440_rs::Operator;
use pep508_rs::{Requirement, VerbatimUrl, VersionOrUrl};

use super::lock::{Locked, Source, parse_hash, pyproject_root, read_project};
use crate::collect::{
    CollectError, Diagnostics, MAX_LOCKFILE, directory_name, parent_dir, read_text,
};
use modelseal_bom::bom::{Bom, Hash};

/// Reads a requirements file and the files it includes. The root is the project in the
/// `pyproject.toml` beside it when there is one, else the directory; every requirement is a
/// direct dependency (the format has no graph).
pub fn collect_requirements(
    path: &Path,
    diagnostics: &mut Diagnostics,
) -> Result<Bom, CollectError> {
    let dir = parent_dir(path);
    let project = read_project(dir, diagnostics)?;
    let mut reader = Reader {
        bom: Bom::new(pyproject_root(path, project.as_ref())),
        project_dir: dir.canonicalize().ok(),
        reading: Vec::new(),
        done: BTreeSet::new(),
        budget: MAX_REQUIREMENTS_TOTAL,
    };
    let text = read_text(path)?;
    reader.read(path, &text, diagnostics)?;
    Ok(reader.bom)
}

struct Reader {
    bom: Bom,
    /// The project's own directory: `-e .` names the root, not a dependency.
    project_dir: Option<PathBuf>,
    /// The include chain being read, to refuse cycles.
    reading: Vec<PathBuf>,
    /// Files already read (a file included twice adds nothing new).
    done: BTreeSet<PathBuf>,
    /// Bytes the includes may still read ([`MAX_REQUIREMENTS_TOTAL`]).
    budget: u64,
}

/// The most bytes the files a requirements file includes may hold together. Each is bounded by
/// [`MAX_LOCKFILE`], and an including file stays in memory while its includes are read, so a
/// fan or chain of large includes is bounded as a whole (issue 11, item 7).
pub(crate) const MAX_REQUIREMENTS_TOTAL: u64 = 4 * MAX_LOCKFILE;

/// The deepest chain of includes (`a` includes `b` includes `c` ...) followed: pip has no such
/// limit, but each level is a stack frame, and real projects nest two or three.
pub(crate) const MAX_INCLUDE_DEPTH: usize = 32;

impl Reader {
    fn read(
        &mut self,
        path: &Path,
        text: &str,
        diagnostics: &mut Diagnostics,
    ) -> Result<(), CollectError> {
        let canonical = path.canonicalize().unwrap_or_else(|_| path.to_path_buf());
        self.reading.push(canonical.clone());
        for (line, content) in logical_lines(text) {
            if let Err(error) = self.line(path, line, &content, diagnostics) {
                diagnostics.recover(error)?;
            }
        }
        self.reading.pop();
        self.done.insert(canonical);
        Ok(())
    }

    fn line(
        &mut self,
        path: &Path,
        line: usize,
        content: &str,
        diagnostics: &mut Diagnostics,
    ) -> Result<(), CollectError> {
        if content.starts_with('-') {
            let (option, value) = split_option(content);
            return match option {
                "-r" | "--requirement" => self.include(path, line, value, diagnostics),
                "-e" | "--editable" => {
                    let (target, _) = split_requirement_options(value);
                    self.add(path, line, target, &[], diagnostics)
                }
                // Constraints pin versions of what something else asks for, and the other
                // options say where and how to install: none adds a component.
                "-c" | "--constraint" | "-i" | "--index-url" | "--extra-index-url"
                | "--no-index" | "-f" | "--find-links" | "--trusted-host" | "--pre"
                | "--prefer-binary" | "--only-binary" | "--no-binary" | "--require-hashes"
                | "--use-feature" => Ok(()),
                _ => {
                    diagnostics.warn(format!(
                        "{}:{line}: ignoring unknown option {option}",
                        path.display()
                    ));
                    Ok(())
                }
            };
        }
        let (requirement, options) = split_requirement_options(content);
        let mut hashes = Vec::new();
        for option in options {
            if let Some(value) = option
                .strip_prefix("--hash=")
                .or_else(|| option.strip_prefix("--hash "))
            {
                let value = value.trim();
                hashes.push(parse_hash(value).ok_or_else(|| {
                    let message = format!("{value:?} is not an algorithm:hex hash");
                    CollectError::invalid(path, Some(line), message)
                })?);
            }
        }
        self.add(path, line, requirement, &hashes, diagnostics)
    }

    fn include(
        &mut self,
        path: &Path,
        line: usize,
        target: &str,
        diagnostics: &mut Diagnostics,
    ) -> Result<(), CollectError> {
        if target.contains("://") {
            diagnostics.warn(format!(
                "{}:{line}: not following remote include {target}",
                path.display()
            ));
            return Ok(());
        }
        let included = parent_dir(path).join(target);
        let canonical = included.canonicalize().unwrap_or_else(|_| included.clone());
        if self.reading.contains(&canonical) {
            diagnostics.warn(format!(
                "{}:{line}: {target} includes itself (an include cycle); not read again",
                path.display()
            ));
            return Ok(());
        }
        if self.done.contains(&canonical) {
            return Ok(());
        }
        if self.reading.len() >= MAX_INCLUDE_DEPTH {
            let message =
                format!("{target}: includes nest more than {MAX_INCLUDE_DEPTH} files deep");
            return Err(CollectError::invalid(path, Some(line), message));
        }
        let limit = MAX_LOCKFILE.min(self.budget);
        let text = modelseal_fs::read_to_string_limited(&included, limit).map_err(|e| {
            let message = if limit < MAX_LOCKFILE && matches!(e.reason, Reason::TooLarge { .. }) {
                format!(
                    "cannot read included {}: the includes together hold more than \
                     {MAX_REQUIREMENTS_TOTAL} bytes",
                    included.display()
                )
            } else {
                format!("cannot read included {}: {e}", included.display())
            };
            CollectError::invalid(path, Some(line), message)
        })?;
        self.budget -= text.len() as u64;
        self.read(&included, &text, diagnostics)
    }

    fn add(
        &mut self,
        path: &Path,
        line: usize,
        requirement: &str,
        hashes: &[Hash],
        diagnostics: &mut Diagnostics,
    ) -> Result<(), CollectError> {
        let Some(mut locked) = self.locate(path, line, requirement, diagnostics)? else {
            return Ok(());
        };
        locked.hashes = hashes.to_vec();
        let component = locked
            .component()
            .map_err(|message| CollectError::invalid(path, Some(line), message))?;
        let root = self.bom.root.bom_ref.clone();
        self.bom.depend(&root, &component.bom_ref);
        self.bom.add(component);
        Ok(())
    }

    /// What `requirement` names: `None` for the project itself (`-e .`).
    fn locate(
        &self,
        path: &Path,
        line: usize,
        requirement: &str,
        diagnostics: &mut Diagnostics,
    ) -> Result<Option<Locked>, CollectError> {
        let here = format!("{}:{line}", path.display());
        let spec = requirement.split(';').next().unwrap_or_default().trim();
        if is_url(spec) {
            return Ok(Some(from_url(spec, None, &here, diagnostics)));
        }
        if is_path(spec) {
            return Ok(self.local(path, spec, &here, diagnostics));
        }
        // `===` compares strings: keep the version exactly as written.
        if let Some(locked) = arbitrary_equality(requirement) {
            return Ok(Some(locked));
        }
        match super::pep508::parse_requirement(requirement) {
            Ok(parsed) => Ok(Some(from_pep508(&parsed, requirement, &here, diagnostics))),
            Err(error) => Err(CollectError::invalid(
                path,
                Some(line),
                format!("not a requirement: {}", first_line(&error)),
            )),
        }
    }

    /// A local directory or archive: named by its `pyproject.toml` or file name when it can be.
    fn local(
        &self,
        path: &Path,
        spec: &str,
        here: &str,
        diagnostics: &mut Diagnostics,
    ) -> Option<Locked> {
        let (target, fragment_name) = egg_fragment(spec);
        let (target, _) = split_extras(target);
        let local = target.strip_prefix("file://").unwrap_or(target);
        let resolved = parent_dir(path).join(local);
        if resolved
            .canonicalize()
            .ok()
            .is_some_and(|c| Some(&c) == self.project_dir.as_ref())
        {
            return None;
        }
        let source = Source::Local(target.to_owned());
        if resolved.is_dir() {
            let mut quiet = Diagnostics::best_effort();
            let project = read_project(&resolved, &mut quiet).ok().flatten();
            let name = fragment_name
                .map(str::to_owned)
                .or_else(|| project.as_ref().and_then(|p| p.name.clone()));
            let version = project.as_ref().and_then(|p| p.version.clone());
            let name = name.unwrap_or_else(|| {
                directory_name(&resolved).unwrap_or_else(|| "project".to_owned())
            });
            if version.is_none() {
                diagnostics.warn(format!("{here}: {name} at {target}: version unknown"));
            }
            return Some(Locked::new(name, version, source));
        }
        let file_name = Path::new(local)
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let (name, version) = match (fragment_name, archive_name_version(&file_name)) {
            (Some(name), parsed) => (name.to_owned(), parsed.map(|(_, v)| v)),
            (None, Some((name, version))) => (name, Some(version)),
            (None, None) => (file_name.clone(), None),
        };
        if version.is_none() {
            diagnostics.warn(format!("{here}: {name} at {target}: version unknown"));
        }
        Some(Locked::new(name, version, source))
    }
}

/// A `name[extras] <specifiers> ; markers` or `name @ url` requirement. Only `==` / `===`
/// pin a version; anything else gives a component without one.
fn from_pep508(
    parsed: &Requirement<VerbatimUrl>,
    text: &str,
    here: &str,
    diagnostics: &mut Diagnostics,
) -> Locked {
    // The name as written: the purl normalises it, the component keeps the author's spelling.
    let name = written_name(text).unwrap_or_else(|| parsed.name.to_string());
    match &parsed.version_or_url {
        Some(VersionOrUrl::Url(url)) => {
            let url = url.given().map_or_else(|| url.to_string(), str::to_owned);
            from_url(&url, Some(name), here, diagnostics)
        }
        Some(VersionOrUrl::VersionSpecifier(specifiers)) => {
            let pinned = match specifiers.iter().collect::<Vec<_>>().as_slice() {
                [only] if matches!(only.operator(), Operator::Equal | Operator::ExactEqual) => {
                    Some(only.version().to_string())
                }
                _ => None,
            };
            if pinned.is_none() {
                diagnostics.warn(format!(
                    "{here}: {name} is not pinned ({specifiers}): version unknown"
                ));
            }
            Locked::new(name, pinned, Source::Index(None))
        }
        None => {
            diagnostics.warn(format!("{here}: {name} is not pinned: version unknown"));
            Locked::new(name, None, Source::Index(None))
        }
    }
}

/// `name===<anything>`: arbitrary equality allows versions PEP 440 cannot parse.
fn arbitrary_equality(text: &str) -> Option<Locked> {
    let (name, version) = text.split_once("===")?;
    let name = written_name(name)?;
    let version = version.split(';').next()?.trim();
    (!version.is_empty() && !version.contains(char::is_whitespace))
        .then(|| Locked::new(name, Some(version.to_owned()), Source::Index(None)))
}

/// A URL requirement: VCS (`git+https://…@ref`) or an archive. The name comes from the caller
/// (`name @ url`), the `#egg=` fragment, or the archive's file name.
fn from_url(url: &str, name: Option<String>, here: &str, diagnostics: &mut Diagnostics) -> Locked {
    let (url, fragment_name) = egg_fragment(url);
    let name = name.or_else(|| fragment_name.map(str::to_owned));
    let vcs = ["git+", "hg+", "svn+", "bzr+"]
        .iter()
        .any(|p| url.starts_with(p));
    if vcs {
        let name = name.unwrap_or_else(|| repository_name(url));
        diagnostics.warn(format!("{here}: {name} from {url}: version unknown"));
        return Locked::new(
            name,
            None,
            Source::Vcs {
                url: url.to_owned(),
                commit: None,
            },
        );
    }
    let file_name = url
        .split(['?', '#'])
        .next()
        .and_then(|u| u.rsplit('/').next())
        .unwrap_or_default();
    let parsed = archive_name_version(file_name);
    let name = name
        .or_else(|| parsed.as_ref().map(|(n, _)| n.clone()))
        .unwrap_or_else(|| file_name.to_owned());
    let version = parsed.map(|(_, v)| v);
    if version.is_none() {
        diagnostics.warn(format!("{here}: {name} from {url}: version unknown"));
    }
    let source = if url.starts_with("file:") {
        Source::Local(url.to_owned())
    } else {
        Source::Url(url.to_owned())
    };
    Locked::new(name, version, source)
}

/// `…#egg=name` (pip's legacy way to name a URL requirement), split off.
fn egg_fragment(url: &str) -> (&str, Option<&str>) {
    let Some((base, fragment)) = url.split_once('#') else {
        return (url, None);
    };
    let name = fragment
        .split('&')
        .find_map(|part| part.strip_prefix("egg="))
        .filter(|n| !n.is_empty());
    (base, name)
}

/// `path[extra1,extra2]`: the extras are not part of the path.
fn split_extras(spec: &str) -> (&str, Option<&str>) {
    match spec.strip_suffix(']').and_then(|s| s.rsplit_once('[')) {
        Some((target, extras)) => (target, Some(extras)),
        None => (spec, None),
    }
}

/// The name and version in a wheel (`name-1.0-py3-none-any.whl`) or sdist
/// (`name-1.0.tar.gz`) file name.
fn archive_name_version(file_name: &str) -> Option<(String, String)> {
    let lower = file_name.to_ascii_lowercase();
    if Path::new(&lower).extension().is_some_and(|e| e == "whl") {
        let mut parts = file_name.split('-');
        let name = parts.next()?;
        let version = parts.next()?;
        return Some((name.to_owned(), version.to_owned()));
    }
    let stem = [".tar.gz", ".tar.bz2", ".tar.xz", ".zip", ".tgz"]
        .iter()
        .find_map(|ext| {
            lower
                .ends_with(ext)
                .then(|| file_name.get(..file_name.len() - ext.len()))
                .flatten()
        })?;
    // The version starts at the first `-` followed by a digit (names may hold `-`).
    let split = stem
        .char_indices()
        .find(|&(i, c)| c == '-' && stem[i + 1..].starts_with(|d: char| d.is_ascii_digit()))?
        .0;
    Some((stem[..split].to_owned(), stem[split + 1..].to_owned()))
}

/// `https://github.com/acme/tool.git@v1` -> `tool`.
fn repository_name(url: &str) -> String {
    let path = url.split(['#', '?']).next().unwrap_or(url);
    let path = path.rsplit_once('@').map_or(
        path,
        |(before, after)| {
            if after.contains('/') { path } else { before }
        },
    );
    let last = path
        .trim_end_matches('/')
        .rsplit('/')
        .next()
        .unwrap_or(path);
    last.trim_end_matches(".git").to_owned()
}

/// A bare URL (`https://…`, `git+ssh://…`): it starts with a scheme. `name @ url` does not.
fn is_url(spec: &str) -> bool {
    spec.split_once("://").is_some_and(|(scheme, _)| {
        scheme.starts_with(|c: char| c.is_ascii_alphabetic())
            && scheme
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'))
    })
}

/// A local path rather than a PEP 508 requirement: pip treats anything with a path
/// separator, or starting with `.`, as one (`name @ ./path` is PEP 508's, and `@` marks it).
fn is_path(spec: &str) -> bool {
    let (target, _) = split_extras(spec);
    target.starts_with("file:")
        || (!spec.contains('@')
            && (target.starts_with('.')
                || target.starts_with('/')
                || target.starts_with('~')
                || target.contains('/')
                || target.contains('\\')))
}

/// The distribution name at the start of a requirement, as written.
fn written_name(text: &str) -> Option<String> {
    let text = text.trim_start();
    let end = text
        .find(|c: char| !(c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.')))
        .unwrap_or(text.len());
    let name = text[..end].trim_end_matches(['-', '_', '.']);
    (!name.is_empty()).then(|| name.to_owned())
}

fn first_line(text: &str) -> &str {
    text.lines().next().unwrap_or(text)
}

/// `-r file`, `-rfile`, `--requirement=file`, `--requirement file`: the option and its value.
fn split_option(content: &str) -> (&str, &str) {
    if let Some(long) = content.strip_prefix("--") {
        let end = long
            .find(|c: char| c == '=' || c.is_whitespace())
            .map_or(content.len(), |i| i + 2);
        let value = content[end..].trim_start_matches('=').trim();
        return (&content[..end], value);
    }
    let short_end = content
        .char_indices()
        .nth(2)
        .map_or(content.len(), |(i, _)| i);
    (&content[..short_end], content[short_end..].trim())
}

/// The requirement and its per-requirement options (`--hash=…`, `--config-settings …`): the
/// options start at the first ` --` outside the requirement.
fn split_requirement_options(content: &str) -> (&str, Vec<String>) {
    let mut start = None;
    let bytes = content.as_bytes();
    for (i, window) in bytes.windows(3).enumerate() {
        if window[0].is_ascii_whitespace() && window[1] == b'-' && window[2] == b'-' {
            start = Some(i);
            break;
        }
    }
    let Some(start) = start else {
        return (content.trim(), Vec::new());
    };
    let mut options: Vec<String> = Vec::new();
    for token in content[start..].split_whitespace() {
        if token.starts_with("--") {
            options.push(token.to_owned());
        } else if let Some(last) = options.last_mut() {
            // `--hash sha256:…` with a space: the value belongs to the option.
            if !last.contains('=') {
                last.push('=');
                last.push_str(token);
            }
        }
    }
    (content[..start].trim(), options)
}

/// The file as pip sees it: continuation lines (trailing `\`) joined, comments (a `#` at the
/// start or after whitespace) removed, blank lines dropped; each with the line it starts on.
fn logical_lines(text: &str) -> Vec<(usize, String)> {
    let mut out = Vec::new();
    let mut current: Option<(usize, String)> = None;
    for (index, raw) in text.lines().enumerate() {
        let number = index + 1;
        let uncommented = strip_comment(raw);
        let (body, continues) = match uncommented.trim_end().strip_suffix('\\') {
            Some(body) => (body, true),
            None => (uncommented, false),
        };
        let entry = current.get_or_insert_with(|| (number, String::new()));
        let body = body.trim();
        if !entry.1.is_empty() && !body.is_empty() {
            entry.1.push(' ');
        }
        entry.1.push_str(body);
        if !continues && let Some(done) = current.take() {
            out.push(done);
        }
    }
    // A last line ending in `\` continues into nothing.
    out.extend(current);
    out.retain(|(_, content)| !content.is_empty());
    out
}

fn strip_comment(line: &str) -> &str {
    if line.trim_start().starts_with('#') {
        return "";
    }
    let bytes = line.as_bytes();
    for (i, pair) in bytes.windows(2).enumerate() {
        if pair[0].is_ascii_whitespace() && pair[1] == b'#' {
            return &line[..i];
        }
    }
    line
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::super::lock::testing::{DEMO_LOCKED, attrs_hashes, fixture};
    use super::*;
    use crate::collect::testing::{
        assert_rejects, best_effort_after_strict_error, collect_clean, component, write_files,
    };
    use modelseal_bom::bom::ExternalReference;

    /// A chain of includes deeper than [`MAX_INCLUDE_DEPTH`] is refused (it recursed once per
    /// level), and includes together are bounded by [`MAX_REQUIREMENTS_TOTAL`], not only each
    /// one by [`MAX_LOCKFILE`] (issue 11, item 7).
    #[test]
    fn includes_are_bounded_in_depth_and_in_total() {
        let chain: Vec<(String, String)> = (0..=MAX_INCLUDE_DEPTH + 1)
            .map(|i| (format!("r{i}.txt"), format!("-r r{}.txt\n", i + 1)))
            .collect();
        let files: Vec<(&str, &str)> = chain
            .iter()
            .map(|(name, text)| (name.as_str(), text.as_str()))
            .collect();
        let dir = write_files(&files);
        let error = collect_requirements(&dir.path().join("r0.txt"), &mut Diagnostics::strict())
            .unwrap_err();
        assert!(error.to_string().contains("nest more than"), "{error}");

        let dir = write_files(&[("requirements.txt", "")]);
        let mut text = String::new();
        for i in 0..5 {
            let name = format!("big{i}.txt");
            std::fs::write(dir.path().join(&name), "#").unwrap();
            let file = std::fs::OpenOptions::new()
                .write(true)
                .open(dir.path().join(&name))
                .unwrap();
            // A comment, sparse, within the per-file bound: five of them exceed the total.
            file.set_len(MAX_LOCKFILE - 1).unwrap();
            text += &["-r ", &name, "\n"].concat();
        }
        std::fs::write(dir.path().join("requirements.txt"), text).unwrap();
        let error = collect_requirements(
            &dir.path().join("requirements.txt"),
            &mut Diagnostics::strict(),
        )
        .unwrap_err();
        assert!(
            error.to_string().contains("together hold more than"),
            "{error}"
        );
    }

    #[test]
    fn logical_lines_join_continuations_and_drop_comments() {
        let text = "# header\n\nattrs==1.0 \\\n    --hash=sha256:aa \\\n    --hash=sha256:bb\n    # via x\nurl @ https://h/x.whl#egg=x  # trailing\n";
        assert_eq!(
            logical_lines(text),
            [
                (3, "attrs==1.0 --hash=sha256:aa --hash=sha256:bb".to_owned()),
                (7, "url @ https://h/x.whl#egg=x".to_owned()),
            ]
        );
        assert_eq!(logical_lines("a==1 \\"), [(1, "a==1".to_owned())]);
    }

    #[test]
    fn options_and_names() {
        assert_eq!(split_option("-r other.txt"), ("-r", "other.txt"));
        assert_eq!(split_option("-rother.txt"), ("-r", "other.txt"));
        assert_eq!(
            split_option("--requirement=other.txt"),
            ("--requirement", "other.txt")
        );
        assert_eq!(
            split_option("--index-url https://x"),
            ("--index-url", "https://x")
        );
        assert_eq!(split_option("--pre"), ("--pre", ""));
        assert_eq!(
            split_requirement_options("a==1 --hash sha256:aa --hash=sha256:bb"),
            (
                "a==1",
                vec!["--hash=sha256:aa".to_owned(), "--hash=sha256:bb".to_owned()]
            )
        );
        assert_eq!(
            archive_name_version("torch-2.1.0+cpu-cp311-cp311-linux_x86_64.whl"),
            Some(("torch".into(), "2.1.0+cpu".into()))
        );
        assert_eq!(
            archive_name_version("python-dateutil-2.9.0.tar.gz"),
            Some(("python-dateutil".into(), "2.9.0".into()))
        );
        assert_eq!(archive_name_version("README"), None);
        assert_eq!(
            repository_name("git+https://github.com/acme/tool.git@v1"),
            "tool"
        );
        assert_eq!(
            repository_name("git+ssh://git@github.com/acme/tool"),
            "tool"
        );
        assert!(is_url("https://h/x.whl"));
        assert!(is_url("git+ssh://git@github.com/acme/tool"));
        assert!(!is_url("x @ https://h/x.whl"));
        assert!(!is_url("x@https://h/x.whl"));
        assert!(!is_path("x@https://h/x.whl"));
        assert!(is_path("file:../x"));
        assert!(is_path("./libs/helper[extra]"));
        assert!(!is_path("requests[socks]>=2"));
    }

    #[test]
    fn uv_exported_requirements_real_fixture() {
        let bom = collect_clean(collect_requirements, &fixture("uv/requirements.txt"));
        // `-e .` is the project itself; `./libs/helper` is named by its pyproject.toml.
        assert_eq!(bom.root.bom_ref, "pkg:pypi/demo-app@0.1.0");
        assert_eq!(bom.root.name, "Demo_App");
        assert_eq!(bom.components.keys().collect::<Vec<_>>(), DEMO_LOCKED);
        assert_eq!(bom.dependencies[&bom.root.bom_ref].len(), 10);
        assert_eq!(
            component(&bom, "pkg:pypi/attrs@26.1.0").hashes,
            attrs_hashes()
        );
        // The marker (`; sys_platform == 'win32'`) keeps the entry.
        assert_eq!(component(&bom, "pkg:pypi/colorama@0.4.6").hashes.len(), 2);
        assert!(component(&bom, "pkg:pypi/helper@0.2.0").hashes.is_empty());
    }

    #[test]
    fn includes_urls_unpinned_and_odd_lines() {
        let dir = write_files(&[
            (
                "requirements.txt",
                "--index-url https://pypi.org/simple\n-c constraints.txt\n-r base.txt\n\
                 --requirement=sub/dev.txt\nDjango[bcrypt]==4.2.1 ; python_version > \"3.8\"\n\
                 legacy===2013b\nrequests>=2\nnumpy\n\
                 tool @ git+https://github.com/acme/tool.git@v1\n\
                 https://files.example/wheelish-2.0-py3-none-any.whl\n\
                 git+https://github.com/acme/other@main#egg=Other_Pkg\n\
                 ./vendor/thing-1.5.tar.gz\n--weird-option\n\
                 named@https://files.example/named-1.0.tar.gz\n",
            ),
            ("base.txt", "six==1.16.0\n-r requirements.txt\n"),
            ("sub/dev.txt", "-r ../base.txt\npytest==8.0.0\n"),
        ]);
        let mut diagnostics = Diagnostics::strict();
        let bom =
            collect_requirements(&dir.path().join("requirements.txt"), &mut diagnostics).unwrap();
        let keys: Vec<&String> = bom.components.keys().collect();
        assert_eq!(
            keys,
            [
                "pkg:pypi/django@4.2.1",
                "pkg:pypi/legacy@2013b",
                "pkg:pypi/named@1.0?download_url=https:%2F%2Ffiles.example%2Fnamed-1.0.tar.gz",
                "pkg:pypi/numpy",
                "pkg:pypi/other-pkg?vcs_url=git%2Bhttps:%2F%2Fgithub.com%2Facme%2Fother%40main",
                "pkg:pypi/pytest@8.0.0",
                "pkg:pypi/requests",
                "pkg:pypi/six@1.16.0",
                "pkg:pypi/thing@1.5",
                "pkg:pypi/tool?vcs_url=git%2Bhttps:%2F%2Fgithub.com%2Facme%2Ftool.git%40v1",
                "pkg:pypi/wheelish@2.0?download_url=https:%2F%2Ffiles.example%2Fwheelish-2.0-py3-none-any.whl",
            ]
        );
        assert_eq!(component(&bom, "pkg:pypi/django@4.2.1").name, "Django");
        assert_eq!(component(&bom, "pkg:pypi/requests").version, None);
        assert_eq!(
            component(&bom, "pkg:pypi/wheelish@2.0?download_url=https:%2F%2Ffiles.example%2Fwheelish-2.0-py3-none-any.whl")
                .external_references,
            [ExternalReference::new("distribution", "https://files.example/wheelish-2.0-py3-none-any.whl")]
        );
        let warnings = diagnostics.warnings().join("\n");
        for expected in [
            "requirements.txt:7: requests is not pinned (>=2)",
            "requirements.txt:8: numpy is not pinned",
            "requirements.txt:9: tool from git+https://github.com/acme/tool.git@v1: version unknown",
            "base.txt:2: requirements.txt includes itself",
            "requirements.txt:13: ignoring unknown option --weird-option",
        ] {
            assert!(warnings.contains(expected), "{expected}\n{warnings}");
        }
        // Without a pyproject.toml the root is the directory.
        assert!(bom.root.bom_ref.starts_with("project:"));
    }

    #[test]
    fn errors_name_the_file_and_line() {
        let dir = write_files(&[(
            "requirements.txt",
            "ok==1\n-r missing.txt\nbad==1 --hash=sha256:zz\nnot a requirement!\n",
        )]);
        let path = dir.path().join("requirements.txt");
        let (bom, warnings) = best_effort_after_strict_error(
            collect_requirements,
            &path,
            "requirements.txt:2: cannot read included",
        );
        assert_eq!(bom.components.keys().collect::<Vec<_>>(), ["pkg:pypi/ok@1"]);
        assert_eq!(warnings.len(), 3, "{warnings:?}");
        assert!(
            warnings[1].contains("requirements.txt:3: \"sha256:zz\" is not"),
            "{warnings:?}"
        );
        assert!(
            warnings[2].contains("requirements.txt:4: not a requirement"),
            "{warnings:?}"
        );
    }

    #[test]
    fn garbage_never_panics() {
        for text in [
            "",
            "\\",
            "-",
            "--",
            "-r",
            "===",
            "a===",
            "[x]",
            "@ https://",
            "x @",
            "é==1",
            "./",
            "#egg=",
            "https://",
            "a==1 --hash",
            // Names `pep508_rs` 0.9 panics on (see `pep508.rs`).
            "a- >=1",
            "a[b-]==1",
            "\u{0}\u{1}",
        ] {
            let dir = write_files(&[("requirements.txt", text)]);
            let mut diagnostics = Diagnostics::best_effort();
            let result =
                collect_requirements(&dir.path().join("requirements.txt"), &mut diagnostics);
            assert!(result.is_ok(), "{text:?}: {result:?}");
        }
        assert_rejects(
            collect_requirements,
            "requirements.txt",
            &[(
                "ok==1\na- >=1\n",
                "requirements.txt:2: not a requirement: package name `a-` must end with a letter",
            )],
        );
        assert!(matches!(
            collect_requirements(
                Path::new("/nonexistent/requirements.txt"),
                &mut Diagnostics::strict()
            ),
            Err(CollectError::NotFound(_))
        ));
    }

    /// Red team F6 (L08): a 10,000-file `-r` chain overflowed the stack (SIGABRT, exit 134).
    #[test]
    fn a_deep_include_chain_is_refused_not_a_stack_overflow() {
        let dir = tempfile::tempdir().unwrap();
        let depth = MAX_INCLUDE_DEPTH + 10;
        for i in 0..depth {
            std::fs::write(
                dir.path().join(format!("r{i}.txt")),
                format!("p{i}==1.0\n-r r{}.txt\n", i + 1),
            )
            .unwrap();
        }
        std::fs::write(dir.path().join(format!("r{depth}.txt")), "last==1.0\n").unwrap();
        let err = collect_requirements(&dir.path().join("r0.txt"), &mut Diagnostics::strict())
            .unwrap_err()
            .to_string();
        assert!(err.contains("more than 32 files deep"), "{err}");
        let shallow = collect_requirements(
            &dir.path().join(format!("r{}.txt", depth - 10)),
            &mut Diagnostics::strict(),
        )
        .unwrap();
        assert_eq!(shallow.components.len(), 11);
    }
}
