//! Reading a multipart email back (the monthly report's): its parts, each part's decoded content, and
//! RFC 2047 encoded words in headers (a subject with an em dash).

use base64::Engine;
use base64::engine::general_purpose::STANDARD;

/// One MIME part: its headers (unfolded) and its decoded content.
#[derive(Debug, Clone)]
pub struct Part {
    pub headers: Vec<(String, String)>,
    pub content: Vec<u8>,
}

impl Part {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.content).into_owned()
    }
    /// `attachment; filename="…"`: the file name.
    pub fn filename(&self) -> Option<String> {
        let d = self.header("Content-Disposition")?;
        d.starts_with("attachment").then_some(())?;
        // `filename="…"`, or RFC 2231's `filename*0="…"` as lettre writes it
        let rest = &d[d.find("filename")?..];
        let at = rest.find('=')? + 1;
        Some(
            rest[at..]
                .split(';')
                .next()?
                .trim_matches(|c| c == '"' || c == ' ')
                .to_string(),
        )
    }
}

fn split_head(raw: &str) -> (Vec<(String, String)>, String) {
    let raw = raw.replace("\r\n", "\n");
    let (head, body) = raw.split_once("\n\n").unwrap_or((&raw, ""));
    let head = head.replace("\n ", " ").replace("\n\t", " ");
    let headers = head
        .lines()
        .filter_map(|l| {
            let (k, v) = l.split_once(':')?;
            Some((k.trim().to_string(), v.trim().to_string()))
        })
        .collect();
    (headers, body.to_string())
}

fn decode(encoding: &str, body: &str) -> Vec<u8> {
    match encoding.to_ascii_lowercase().as_str() {
        "base64" => STANDARD
            .decode(body.split_whitespace().collect::<String>())
            .expect("base64"),
        "quoted-printable" => super::decode_qp(body).into_bytes(),
        _ => body.as_bytes().to_vec(),
    }
}

/// The message's headers and its parts (one part for a single-part message).
pub fn parts(raw: &str) -> (Vec<(String, String)>, Vec<Part>) {
    let (headers, body) = split_head(raw);
    let ctype = headers
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case("Content-Type"))
        .map(|(_, v)| v.clone())
        .unwrap_or_default();
    let Some(at) = ctype.find("boundary=") else {
        let enc = headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case("Content-Transfer-Encoding"))
            .map(|(_, v)| v.clone())
            .unwrap_or_default();
        let part = Part {
            content: decode(&enc, &body),
            headers: headers.clone(),
        };
        return (headers, vec![part]);
    };
    let boundary = ctype[at + "boundary=".len()..]
        .trim_matches(|c| c == '"' || c == ';')
        .split(';')
        .next()
        .unwrap()
        .trim_matches('"')
        .to_string();
    let parts = body
        .split(&format!("--{boundary}"))
        .skip(1)
        .filter(|p| !p.starts_with("--"))
        .map(|p| {
            let (h, b) = split_head(p.trim_start_matches('\n'));
            let enc = h
                .iter()
                .find(|(k, _)| k.eq_ignore_ascii_case("Content-Transfer-Encoding"))
                .map(|(_, v)| v.clone())
                .unwrap_or_default();
            Part {
                content: decode(&enc, b.trim_end()),
                headers: h,
            }
        })
        .collect();
    (headers, parts)
}

/// A header value with its RFC 2047 encoded words (`=?utf-8?b?…?=`, `=?utf-8?q?…?=`) decoded.
pub fn words(value: &str) -> String {
    let mut out = String::new();
    let mut last_encoded = false;
    for token in value.split_whitespace() {
        let lower = token.to_ascii_lowercase();
        let encoded = lower.starts_with("=?utf-8?") && lower.ends_with("?=");
        // Whitespace between two encoded words is not part of the text.
        if !(out.is_empty() || encoded && last_encoded) {
            out.push(' ');
        }
        if encoded {
            let inner = &token["=?utf-8?".len()..token.len() - 2];
            let (kind, text) = inner.split_once('?').unwrap();
            let bytes = if kind.eq_ignore_ascii_case("b") {
                STANDARD.decode(text).expect("base64 word")
            } else {
                super::decode_qp(&text.replace('_', " ")).into_bytes()
            };
            out.push_str(&String::from_utf8_lossy(&bytes));
        } else {
            out.push_str(token);
        }
        last_encoded = encoded;
    }
    out
}
