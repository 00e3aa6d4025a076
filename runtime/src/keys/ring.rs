//! Where a verifier's keys come from: a fixed key set that the application
//! hands over (and may replace), or, with the `remote` feature, one key set
//! per issuer fetched from the network. The keyring picks the key set a
//! token is judged by; the key set picks the key.

use core::fmt;
use std::sync::{Arc, Mutex, PoisonError};

use arc_swap::ArcSwap;

#[cfg(feature = "remote")]
use super::remote::source::RemoteKeys;
use super::set::KeySet;

/// A verifier's keys.
pub(crate) enum Keyring {
    /// Keys the application gave; `replace` swaps them whole.
    Fixed {
        set: ArcSwap<KeySet>,
        /// Serialises replacements, so that each one succeeds the last.
        writer: Mutex<()>,
    },
    /// One key set per issuer, each refreshed by its own task.
    #[cfg(feature = "remote")]
    Remote(Box<[Arc<RemoteKeys>]>),
}

impl Keyring {
    pub(crate) fn fixed(set: KeySet) -> Self {
        Self::Fixed {
            set: ArcSwap::from_pointee(set),
            writer: Mutex::new(()),
        }
    }

    /// Replaces a fixed key set: the new one keeps the lives of the keys it
    /// shares with the old one and withdraws the rest. `false` for remote
    /// keys, which only their issuers replace.
    pub(crate) fn replace(&self, new: KeySet) -> bool {
        match self {
            Self::Fixed { set, writer } => {
                let _writer = writer.lock().unwrap_or_else(PoisonError::into_inner);
                let new = new.succeed(&set.load());
                set.store(Arc::new(new));
                true
            }
            #[cfg(feature = "remote")]
            Self::Remote(_) => false,
        }
    }

    /// The remote issuers' key sets (none for fixed keys).
    #[cfg(feature = "remote")]
    pub(crate) fn remote(&self) -> &[Arc<RemoteKeys>] {
        match self {
            Self::Fixed { .. } => &[],
            Self::Remote(remote) => remote,
        }
    }
}

impl fmt::Debug for Keyring {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Fixed { set, .. } => f.debug_list().entries(set.load().keys()).finish(),
            #[cfg(feature = "remote")]
            Self::Remote(remote) => f.debug_list().entries(remote.iter()).finish(),
        }
    }
}

/// The `iss` of a decoded payload, read before the signature is checked so
/// that a verifier with several issuers knows whose keys to use: a bounded
/// scan (the payload is within the token cap) that reads the top-level
/// members and keeps only `iss`. What it finds is only a choice of key set;
/// the single pass over the payload confirms it after the signature, and
/// refuses a payload it would read differently (a second `iss`, say). The
/// `iss` is borrowed from the payload unless it has escapes.
#[cfg(feature = "remote")]
pub(crate) fn issuer_of(payload: &[u8]) -> Option<std::borrow::Cow<'_, str>> {
    use std::borrow::Cow;

    use serde::de::{self, Deserializer as _, IgnoredAny, MapAccess, Visitor};

    struct Iss;
    impl<'de> Visitor<'de> for Iss {
        type Value = Option<Cow<'de, str>>;
        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("a JSON object")
        }
        fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
            let mut iss = None;
            while let Some(name) = map.next_key::<crate::json::Str<'de>>()? {
                if name.0 == "iss" {
                    if iss.is_some() {
                        return Err(de::Error::duplicate_field("iss"));
                    }
                    iss = Some(map.next_value::<crate::json::Str<'de>>()?.0);
                } else {
                    map.next_value::<IgnoredAny>()?;
                }
            }
            Ok(iss)
        }
    }
    let text = core::str::from_utf8(payload).ok()?;
    let mut de = serde_json::Deserializer::from_str(text);
    de.deserialize_map(Iss).ok().flatten()
}

#[cfg(all(test, feature = "remote"))]
mod tests {
    use super::*;

    #[test]
    fn the_issuer_is_read_as_the_pass_reads_it() {
        let iss = |json: &str| issuer_of(json.as_bytes()).map(std::borrow::Cow::into_owned);
        assert_eq!(iss(r#"{"iss":"a"}"#).as_deref(), Some("a"));
        assert_eq!(
            iss(r#"{"x":{"iss":"b"},"iss":"\u0061"}"#).as_deref(),
            Some("a")
        );
        assert_eq!(iss(r#"{"x":1}"#), None);
        assert_eq!(iss(r#"{"iss":"a","iss":"b"}"#), None);
        assert_eq!(iss(r#"{"iss":1}"#), None);
        assert_eq!(iss(r#"["iss"]"#), None);
        assert_eq!(iss(r#"{"iss":"a""#), None);
        assert_eq!(issuer_of(b"{\"iss\":\"\xff\"}"), None);
        // Borrowed from the payload unless it has escapes.
        assert!(matches!(
            issuer_of(br#"{"x":1,"iss":"https://a"}"#),
            Some(std::borrow::Cow::Borrowed("https://a"))
        ));
        assert!(matches!(
            issuer_of(br#"{"iss":"https:\/\/a"}"#),
            Some(std::borrow::Cow::Owned(iss)) if iss == "https://a"
        ));
    }
}
