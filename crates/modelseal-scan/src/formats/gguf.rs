//! GGUF (llama.cpp): header, metadata and tensor table parsed with every count checked against
//! the bytes that remain before anything is allocated; `tokenizer.chat_template*` values go to
//! the template check. Tensor data is not read.

use crate::{Context, RuleId, Severity};

use super::template;

struct Reader<'a> {
    data: &'a [u8],
    pos: usize,
    /// GGUF v1 used 32-bit counts and lengths.
    wide: bool,
}

type R<T> = Result<T, String>;

impl<'a> Reader<'a> {
    fn take(&mut self, n: u64) -> R<&'a [u8]> {
        let n = usize::try_from(n).map_err(|_| "length overflows".to_owned())?;
        let end = self
            .pos
            .checked_add(n)
            .filter(|e| *e <= self.data.len())
            .ok_or_else(|| {
                format!(
                    "needs {n} bytes at offset {} but the file ends at {}",
                    self.pos,
                    self.data.len()
                )
            })?;
        let s = &self.data[self.pos..end];
        self.pos = end;
        Ok(s)
    }
    fn u32(&mut self) -> R<u32> {
        Ok(u32::from_le_bytes(
            self.take(4)?.try_into().map_err(|_| "u32")?,
        ))
    }
    fn u64(&mut self) -> R<u64> {
        Ok(u64::from_le_bytes(
            self.take(8)?.try_into().map_err(|_| "u64")?,
        ))
    }
    fn count(&mut self) -> R<u64> {
        if self.wide {
            self.u64()
        } else {
            self.u32().map(u64::from)
        }
    }
    fn string(&mut self) -> R<&'a [u8]> {
        let n = self.count()?;
        self.take(n)
    }
    fn remaining(&self) -> u64 {
        (self.data.len() - self.pos) as u64
    }

    /// Reads a value of `kind`, returning it when it is a string.
    fn value(&mut self, kind: u32, depth: u32) -> R<Option<&'a [u8]>> {
        let fixed = |k| match k {
            0 | 1 | 7 => Some(1),
            2 | 3 => Some(2),
            4..=6 => Some(4),
            10..=12 => Some(8),
            _ => None,
        };
        match kind {
            8 => self.string().map(Some),
            9 => {
                if depth > 2 {
                    return Err("arrays nested too deeply".to_owned());
                }
                let elem = self.u32()?;
                let count = self.count()?;
                if let Some(size) = fixed(elem) {
                    let bytes = count.checked_mul(size).ok_or("array size overflows")?;
                    self.take(bytes)?;
                } else {
                    // Each element takes at least 8 bytes (a string length): bound before looping.
                    if count > self.remaining() / 4 {
                        return Err(format!(
                            "array claims {count} elements, more than the file can hold"
                        ));
                    }
                    for _ in 0..count {
                        self.value(elem, depth + 1)?;
                    }
                }
                Ok(None)
            }
            k => {
                let size = fixed(k).ok_or_else(|| format!("unknown metadata value type {k}"))?;
                self.take(size)?;
                Ok(None)
            }
        }
    }
}

pub fn scan(data: &[u8], len: u64, ctx: &mut Context<'_>) {
    if let Err(message) = parse(data, len, ctx) {
        let truncated_by_us = (data.len() as u64) < len;
        let message = if truncated_by_us {
            format!("{message} (only the first {} bytes were read)", data.len())
        } else {
            message
        };
        ctx.report(
            RuleId::GgufMalformed,
            Severity::Medium,
            None,
            format!("the GGUF header is malformed: {message}"),
            None,
        );
    }
}

fn parse(data: &[u8], len: u64, ctx: &mut Context<'_>) -> R<()> {
    let mut r = Reader {
        data,
        pos: 4,
        wide: true,
    };
    let version = r.u32()?;
    if !(1..=3).contains(&version) {
        return Err(format!("unsupported version {version}"));
    }
    r.wide = version >= 2;
    let tensors = r.count()?;
    let kvs = r.count()?;
    let mut alignment = 32u64;
    for _ in 0..kvs {
        let key_offset = r.pos as u64;
        let key = String::from_utf8_lossy(r.string()?).into_owned();
        let kind = r.u32()?;
        if key == "general.alignment" && kind == 4 {
            alignment = u64::from(r.u32()?).max(1);
            continue;
        }
        let value = r.value(kind, 0)?;
        if key.starts_with("tokenizer.chat_template")
            && let Some(bytes) = value
        {
            template::check(&String::from_utf8_lossy(bytes), &key, Some(key_offset), ctx);
        }
    }
    // Each tensor entry takes at least 8 + 4 + 4 + 8 bytes.
    if tensors > r.remaining() / 24 {
        return Err(format!(
            "claims {tensors} tensors, more than the file can describe"
        ));
    }
    let mut offsets = Vec::new();
    for _ in 0..tensors {
        let name = String::from_utf8_lossy(r.string()?).into_owned();
        let dims = r.u32()?;
        if dims > 8 {
            return Err(format!("tensor {name:?} has {dims} dimensions"));
        }
        for _ in 0..dims {
            r.count()?;
        }
        r.u32()?;
        let offset = r.u64()?;
        if offset % alignment != 0 {
            return Err(format!(
                "tensor {name:?} offset {offset} is not aligned to {alignment}"
            ));
        }
        offsets.push((offset, name));
    }
    let data_start = (r.pos as u64).div_ceil(alignment) * alignment;
    let data_len = len.saturating_sub(data_start);
    for (offset, name) in &offsets {
        if *offset >= data_len.max(1) && data_len > 0 {
            return Err(format!(
                "tensor {name:?} starts at {offset}, past the {data_len}-byte data section"
            ));
        }
    }
    Ok(())
}
