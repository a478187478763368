//! Typed identifiers: UUIDs that cannot be mixed up, and the short human case reference `C-1042`.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::marker::PhantomData;
use std::str::FromStr;
use uuid::Uuid;

/// A UUID tagged with the kind of thing it identifies (`Id<Case>` is not an `Id<Staff>`).
#[derive(Serialize, Deserialize)]
#[serde(transparent, bound = "")]
pub struct Id<T> {
    uuid: Uuid,
    #[serde(skip)]
    kind: PhantomData<fn() -> T>,
}

impl<T> Id<T> {
    pub const fn from_uuid(uuid: Uuid) -> Self {
        Self {
            uuid,
            kind: PhantomData,
        }
    }
    pub const fn uuid(&self) -> Uuid {
        self.uuid
    }
}
impl<T> Clone for Id<T> {
    fn clone(&self) -> Self {
        *self
    }
}
impl<T> Copy for Id<T> {}
impl<T> PartialEq for Id<T> {
    fn eq(&self, other: &Self) -> bool {
        self.uuid == other.uuid
    }
}
impl<T> Eq for Id<T> {}
impl<T> std::hash::Hash for Id<T> {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.uuid.hash(state);
    }
}
impl<T> PartialOrd for Id<T> {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}
impl<T> Ord for Id<T> {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.uuid.cmp(&other.uuid)
    }
}
impl<T> fmt::Debug for Id<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.uuid)
    }
}
impl<T> fmt::Display for Id<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.uuid.fmt(f)
    }
}
impl<T> FromStr for Id<T> {
    type Err = uuid::Error;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Uuid::parse_str(s).map(Self::from_uuid)
    }
}

/// Marker types for [`Id`].
pub mod kind {
    pub enum Organisation {}
    pub enum Location {}
    pub enum Staff {}
    pub enum Case {}
    pub enum Step {}
    pub enum Gesture {}
    pub enum Handoff {}
    pub enum Token {}
}

pub type LocationId = Id<kind::Location>;
pub type StaffId = Id<kind::Staff>;
pub type CaseId = Id<kind::Case>;
pub type StepId = Id<kind::Step>;
pub type GestureId = Id<kind::Gesture>;
pub type HandoffId = Id<kind::Handoff>;
pub type TokenId = Id<kind::Token>;

/// The short reference people read out over the phone: `C-1042`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct CaseRef(pub i64);

impl fmt::Display for CaseRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "C-{}", self.0)
    }
}

impl FromStr for CaseRef {
    type Err = ();
    fn from_str(s: &str) -> Result<Self, ()> {
        let digits = s
            .strip_prefix("C-")
            .or_else(|| s.strip_prefix("c-"))
            .ok_or(())?;
        if digits.is_empty() || digits.len() > 15 || !digits.bytes().all(|b| b.is_ascii_digit()) {
            return Err(());
        }
        digits.parse().map(CaseRef).map_err(|_| ())
    }
}

/// A case named either by its UUID or by its reference, as the API accepts both.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CaseKey {
    Id(CaseId),
    Ref(CaseRef),
}

impl FromStr for CaseKey {
    type Err = ();
    fn from_str(s: &str) -> Result<Self, ()> {
        if let Ok(r) = s.parse::<CaseRef>() {
            return Ok(CaseKey::Ref(r));
        }
        s.parse::<CaseId>().map(CaseKey::Id).map_err(|_| ())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn case_ref_round_trips_and_rejects_junk() {
        assert_eq!("C-1042".parse::<CaseRef>(), Ok(CaseRef(1042)));
        assert_eq!(CaseRef(7).to_string(), "C-7");
        for bad in ["C-", "C-12a", "1042", "C--1", "C-99999999999999999999"] {
            assert!(bad.parse::<CaseRef>().is_err(), "{bad}");
        }
    }

    #[test]
    fn case_key_accepts_uuid_or_ref() {
        let id = "0190f3a2-7c1e-7b3a-9d2e-1a2b3c4d5e6f";
        assert!(matches!(id.parse::<CaseKey>(), Ok(CaseKey::Id(_))));
        assert_eq!("C-5".parse::<CaseKey>(), Ok(CaseKey::Ref(CaseRef(5))));
        assert!("nope".parse::<CaseKey>().is_err());
    }
}
