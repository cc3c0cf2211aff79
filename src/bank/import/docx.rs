//! Word documents (.docx): a zip whose `word/document.xml` holds the paragraphs.
//! Each `<w:p>` becomes one line (numbered from 1, so problems name the paragraph),
//! `<w:br/>` a line break, `<w:tab/>` a tab. Reads are capped, so a zip bomb stops
//! at [`MAX_UNPACKED_BYTES`](super::MAX_UNPACKED_BYTES).

use std::io::{Cursor, Read};

use quick_xml::Reader;
use quick_xml::events::Event;

use super::{MAX_CELL_CHARS, MAX_UNPACKED_BYTES};

/// Reads one member of a zip archive, refusing more than the cap.
pub fn zip_member(bytes: &[u8], name: &str) -> Result<Vec<u8>, String> {
    let mut archive = zip::ZipArchive::new(Cursor::new(bytes))
        .map_err(|e| format!("not a valid Office file (a zip archive): {e}"))?;
    let member = archive
        .by_name(name)
        .map_err(|e| format!("`{name}` is missing ({e}): not a Word document"))?;
    if member.size() > MAX_UNPACKED_BYTES {
        return Err(format!(
            "`{name}` unpacks to {} MiB: more than the {} MiB read (a zip bomb?)",
            member.size() >> 20,
            MAX_UNPACKED_BYTES >> 20
        ));
    }
    let mut out = Vec::new();
    member
        .take(MAX_UNPACKED_BYTES + 1)
        .read_to_end(&mut out)
        .map_err(|e| format!("`{name}` cannot be unpacked (truncated or damaged file?): {e}"))?;
    if out.len() as u64 > MAX_UNPACKED_BYTES {
        return Err(format!(
            "`{name}` unpacks to more than {} MiB (a zip bomb?)",
            MAX_UNPACKED_BYTES >> 20
        ));
    }
    Ok(out)
}

/// The paragraphs of a .docx, as (paragraph number, text).
pub fn paragraphs(bytes: &[u8]) -> Result<Vec<(usize, String)>, String> {
    let xml = zip_member(bytes, "word/document.xml")?;
    let xml = String::from_utf8(xml).map_err(|_| "word/document.xml is not UTF-8".to_string())?;
    let mut reader = Reader::from_str(&xml);
    let mut out = Vec::new();
    let mut para = String::new();
    let mut in_text = false;
    let mut in_para = false;
    loop {
        let event = reader.read_event().map_err(|e| {
            format!(
                "word/document.xml is damaged at byte {}: {e}",
                reader.buffer_position()
            )
        })?;
        match event {
            Event::Start(e) => match e.local_name().as_ref() {
                b"p" => {
                    in_para = true;
                    para.clear();
                }
                b"t" => in_text = true,
                _ => {}
            },
            Event::Empty(e) => match e.local_name().as_ref() {
                b"br" | b"cr" if in_para => para.push('\n'),
                b"tab" if in_para => para.push('\t'),
                b"p" => out.push((out.len() + 1, String::new())),
                _ => {}
            },
            Event::End(e) => match e.local_name().as_ref() {
                b"p" => {
                    in_para = false;
                    out.push((out.len() + 1, std::mem::take(&mut para)));
                }
                b"t" => in_text = false,
                _ => {}
            },
            Event::Text(t) if in_text => {
                let s = t.decode().map_err(|e| format!("word/document.xml: {e}"))?;
                para.push_str(&s);
            }
            Event::GeneralRef(r) if in_text => {
                let c = match r.resolve_char_ref() {
                    Ok(Some(c)) => Some(c),
                    _ => match r.decode().as_deref() {
                        Ok("amp") => Some('&'),
                        Ok("lt") => Some('<'),
                        Ok("gt") => Some('>'),
                        Ok("quot") => Some('"'),
                        Ok("apos") => Some('\''),
                        _ => None,
                    },
                };
                para.extend(c);
            }
            Event::Eof => break,
            _ => {}
        }
        if para.len() > MAX_CELL_CHARS * 4 * 10 {
            return Err(format!(
                "paragraph {} is longer than {} characters",
                out.len() + 1,
                MAX_CELL_CHARS * 10
            ));
        }
    }
    if in_para {
        return Err("word/document.xml ends inside a paragraph: the file is truncated".into());
    }
    // A paragraph may hold line breaks: split them into lines of the same number.
    Ok(out
        .into_iter()
        .flat_map(|(n, p)| {
            p.split('\n')
                .map(|l| (n, l.to_string()))
                .collect::<Vec<_>>()
        })
        .collect())
}

/// A minimal .docx holding `paragraphs` (for tests and the fixtures).
pub fn write_minimal(paragraphs: &[&str]) -> Vec<u8> {
    use std::io::Write;
    let mut body = String::new();
    for p in paragraphs {
        body.push_str("<w:p><w:r><w:t xml:space=\"preserve\">");
        body.push_str(&quick_xml::escape::escape(*p));
        body.push_str("</w:t></w:r></w:p>");
    }
    let doc = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n<w:document xmlns:w=\"http://schemas.openxmlformats.org/wordprocessingml/2006/main\"><w:body>{body}</w:body></w:document>"
    );
    let mut zip = zip::ZipWriter::new(Cursor::new(Vec::new()));
    let opts = zip::write::SimpleFileOptions::default();
    let files = [
        (
            "[Content_Types].xml",
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Types xmlns=\"http://schemas.openxmlformats.org/package/2006/content-types\"><Default Extension=\"rels\" ContentType=\"application/vnd.openxmlformats-package.relationships+xml\"/><Default Extension=\"xml\" ContentType=\"application/xml\"/><Override PartName=\"/word/document.xml\" ContentType=\"application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml\"/></Types>".to_string(),
        ),
        (
            "_rels/.rels",
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Relationships xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\"><Relationship Id=\"rId1\" Type=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument\" Target=\"word/document.xml\"/></Relationships>".to_string(),
        ),
        ("word/document.xml", doc),
    ];
    for (name, text) in files {
        zip.start_file(name, opts).expect("in memory");
        zip.write_all(text.as_bytes()).expect("in memory");
    }
    zip.finish().expect("in memory").into_inner()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paragraphs_and_breaks_are_kept() {
        let bytes = write_minimal(&["1、题干 &amp; <b>", "A. 甲", "", "答案：A"]);
        let paras = paragraphs(&bytes).expect("reads");
        let texts: Vec<&str> = paras.iter().map(|(_, t)| t.as_str()).collect();
        assert_eq!(texts, ["1、题干 &amp; <b>", "A. 甲", "", "答案：A"]);
        assert_eq!(paras[3].0, 4);
    }

    #[test]
    fn damaged_files_are_errors() {
        let bytes = write_minimal(&["1、题干", "A. 甲"]);
        let cases: &[(&[u8], &str)] = &[
            (b"not a zip at all", "not a valid Office file"),
            (&bytes[..bytes.len() / 2], "not a valid Office file"),
            (&[], "not a valid Office file"),
        ];
        for (b, want) in cases {
            let e = paragraphs(b).expect_err("damaged");
            assert!(e.contains(want), "{e}");
        }
    }
}
