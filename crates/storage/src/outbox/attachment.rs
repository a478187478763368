//! A file attached to an email, kept in the outbox row itself (`outbox.attachment`, JSON with the bytes
//! in base64): what was queued is what goes out, on every attempt and after a restart, whatever
//! changed since. The monthly report's PDF is a few tens of kilobytes, once per manager and month.

use crate::error::StoreError;
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use serde::{Deserialize, Serialize};

/// A file sent with an email.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attachment {
    /// `olive-2026-11-harbour-dental.pdf`
    pub filename: String,
    /// `application/pdf`
    pub content_type: String,
    pub data: Vec<u8>,
}

#[derive(Serialize, Deserialize)]
struct Stored {
    filename: String,
    content_type: String,
    data: String,
}

impl Attachment {
    pub(crate) fn to_json(&self) -> String {
        // Three strings: serialising them cannot fail.
        serde_json::to_string(&Stored {
            filename: self.filename.clone(),
            content_type: self.content_type.clone(),
            data: STANDARD.encode(&self.data),
        })
        .unwrap_or_default()
    }

    pub(crate) fn from_json(json: &str) -> Result<Attachment, StoreError> {
        let bad = |e: String| StoreError::Corrupt(format!("outbox attachment: {e}"));
        let stored: Stored = serde_json::from_str(json).map_err(|e| bad(e.to_string()))?;
        Ok(Attachment {
            filename: stored.filename,
            content_type: stored.content_type,
            data: STANDARD
                .decode(stored.data)
                .map_err(|e| bad(e.to_string()))?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_through_json() {
        let a = Attachment {
            filename: "olive-2026-11-harbour-dental.pdf".into(),
            content_type: "application/pdf".into(),
            data: b"%PDF-1.7\n\x00\xff".to_vec(),
        };
        assert_eq!(Attachment::from_json(&a.to_json()).unwrap(), a);
        assert!(Attachment::from_json("{}").is_err());
    }
}
