//! The packed list behind every scope and role claim: its items joined by
//! one separator into one string, read with a cap on the number of items
//! and on the bytes of each while they are parsed (one allocation per
//! claim, none per item), and searched by a scan that allocates nothing.
//!
//! An item that is empty or holds the separator is counted against the cap
//! but not kept: it can never equal a requirement's name, which the
//! `requirement!` macro refuses to be empty or to hold a separator, so
//! dropping it changes no verdict and keeps the packing unambiguous.

use core::fmt;

use serde::de::{self, DeserializeSeed, Deserializer, IgnoredAny, SeqAccess, Visitor};

use crate::claims::bounded::{add, mul};

/// Items joined by `SEP`.
#[derive(Clone, Default, PartialEq, Eq, Hash)]
pub(crate) struct Packed<const SEP: char> {
    text: Box<str>,
}

impl<const SEP: char> Packed<SEP> {
    /// The most heap one list can own under `items` items of at most `len`
    /// bytes each: the items and a separator after all but the last.
    pub(crate) const fn max_heap(items: usize, len: usize) -> usize {
        mul(items, add(len, SEP.len_utf8()))
    }

    /// Whether `item` is one of the items, compared byte for byte.
    pub(crate) fn contains(&self, item: &str) -> bool {
        // The separator is ASCII, so the items are the byte runs between
        // its bytes: split as bytes, without `str::split`'s searcher, and
        // compared in line rather than by a call to `memcmp`, which for
        // names this short costs more than the comparison itself (measured
        // by instruction counts, `h_authorized` in `scripts/instructions.sh`:
        // 141 instructions a check against 183).
        const { assert!(SEP.is_ascii()) };
        let (text, item) = (self.text.as_bytes(), item.as_bytes());
        !item.is_empty()
            && !text.is_empty()
            && text
                .split(|&byte| u32::from(byte) == SEP as u32)
                .any(|kept| same(kept, item))
    }

    /// The items, in the order the token lists them.
    pub(crate) fn iter(&self) -> impl Iterator<Item = &str> + '_ {
        let text = (!self.text.is_empty()).then_some(&*self.text);
        text.into_iter().flat_map(|text| text.split(SEP))
    }

    /// The items joined by the separator.
    pub(crate) fn joined(&self) -> &str {
        &self.text
    }
}

/// `a == b`, byte by byte in line.
#[inline]
fn same(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).all(|(x, y)| x == y)
}

impl<const SEP: char> fmt::Debug for Packed<SEP> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.iter()).finish()
    }
}

/// The caps one list is read under.
#[derive(Clone, Copy)]
pub(crate) struct Caps {
    /// The most items.
    pub(crate) items: usize,
    /// The most bytes of one item.
    pub(crate) len: usize,
    /// Whether a string is read too, as items separated by spaces (RFC 6749
    /// §3.3), besides a list of strings.
    pub(crate) strings: bool,
}

impl Caps {
    fn expecting(self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (items, len) = (self.items, self.len);
        if self.strings {
            write!(
                f,
                "a space-delimited string or a list of at most {items} items of at most {len} bytes"
            )
        } else {
            write!(
                f,
                "a list of at most {items} strings of at most {len} bytes"
            )
        }
    }
}

/// Bytes of a list read on the stack before any allocation: a list whose
/// items fit costs one allocation, the exact one it is kept in.
const INLINE: usize = 512;

/// A list being read: the items kept so far and how many were seen.
struct Builder<const SEP: char> {
    inline: [u8; INLINE],
    len: usize,
    /// The items, once they outgrow `inline`.
    spilled: Option<String>,
    seen: usize,
    caps: Caps,
}

impl<const SEP: char> Builder<SEP> {
    fn new(caps: Caps) -> Self {
        Self {
            inline: [0; INLINE],
            len: 0,
            spilled: None,
            seen: 0,
            caps,
        }
    }

    /// Takes the next item, refusing one past the item cap or over the
    /// byte cap, before anything of it is copied.
    fn push<E: de::Error>(&mut self, item: &str) -> Result<(), E> {
        refuse(self.caps, self.seen, item)?;
        self.seen += 1;
        if item.is_empty() || item.contains(SEP) {
            return Ok(());
        }
        if self.kept() > 0 {
            self.append(SEP.encode_utf8(&mut [0; 4]));
        }
        self.append(item);
        Ok(())
    }

    /// Bytes kept so far.
    fn kept(&self) -> usize {
        self.spilled.as_ref().map_or(self.len, String::len)
    }

    fn inline_text(&self) -> &str {
        // Only whole `str`s are ever copied in.
        core::str::from_utf8(&self.inline[..self.len]).unwrap_or_default()
    }

    fn append(&mut self, text: &str) {
        // Never more than the caps admit, so that the buffer (and so the
        // heap bound) never exceeds them.
        let most = Packed::<SEP>::max_heap(self.caps.items, self.caps.len);
        if let Some(spilled) = &mut self.spilled {
            let needed = spilled.len() + text.len();
            if needed > spilled.capacity() {
                let target = spilled.capacity().saturating_mul(2).max(needed);
                spilled.reserve_exact(target.min(most.max(needed)) - spilled.len());
            }
            spilled.push_str(text);
        } else if let Some(room) = self.inline.get_mut(self.len..self.len + text.len()) {
            room.copy_from_slice(text.as_bytes());
            self.len += text.len();
        } else {
            let needed = self.len + text.len();
            let room = (2 * INLINE).max(needed).min(most.max(needed));
            let mut spilled = String::with_capacity(room);
            spilled.push_str(self.inline_text());
            spilled.push_str(text);
            self.spilled = Some(spilled);
        }
    }

    fn finish(self) -> Packed<SEP> {
        let text = match self.spilled {
            Some(spilled) => spilled.into_boxed_str(),
            None => self.inline_text().into(),
        };
        Packed { text }
    }
}

/// The error for `item` when `seen` items came before it, if the caps
/// refuse it.
fn refuse<E: de::Error>(caps: Caps, seen: usize, item: &str) -> Result<(), E> {
    if seen >= caps.items {
        return Err(E::invalid_length(
            caps.items.saturating_add(1),
            &Expecting(caps),
        ));
    }
    if item.len() > caps.len {
        return Err(E::invalid_length(item.len(), &Expecting(caps)));
    }
    Ok(())
}

/// What a list expects, for error messages.
struct Expecting(Caps);

impl de::Expected for Expecting {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.expecting(f)
    }
}

/// Reads a list (or, with [`Caps::strings`], a space-delimited string).
pub(crate) struct ListVisitor<const SEP: char>(pub(crate) Caps);

impl<'de, const SEP: char> Visitor<'de> for ListVisitor<SEP> {
    type Value = Packed<SEP>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.expecting(f)
    }

    fn visit_str<E: de::Error>(self, value: &str) -> Result<Packed<SEP>, E> {
        if !self.0.strings {
            return Err(E::invalid_type(de::Unexpected::Str(""), &self));
        }
        let items = || value.split(' ').filter(|item| !item.is_empty());
        // Checked whole first, so that the one allocation is exact.
        let mut bytes = 0usize;
        for (seen, item) in items().enumerate() {
            refuse(self.0, seen, item)?;
            if !item.contains(SEP) {
                bytes += item.len() + SEP.len_utf8();
            }
        }
        let mut text = String::with_capacity(bytes.saturating_sub(SEP.len_utf8()));
        for item in items().filter(|item| !item.contains(SEP)) {
            if !text.is_empty() {
                text.push(SEP);
            }
            text.push_str(item);
        }
        Ok(Packed {
            text: text.into_boxed_str(),
        })
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Packed<SEP>, A::Error> {
        let mut list = Builder::<SEP>::new(self.0);
        loop {
            if list.seen == self.0.items {
                // One more item is refused without being read into memory.
                if seq.next_element::<IgnoredAny>()?.is_some() {
                    return Err(de::Error::invalid_length(
                        self.0.items.saturating_add(1),
                        &self,
                    ));
                }
                return Ok(list.finish());
            }
            if seq.next_element_seed(Item(&mut list))?.is_none() {
                return Ok(list.finish());
            }
        }
    }
}

/// One item of a list, pushed straight into the list being read.
struct Item<'b, const SEP: char>(&'b mut Builder<SEP>);

impl<'de, const SEP: char> DeserializeSeed<'de> for Item<'_, SEP> {
    type Value = ();

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        deserializer.deserialize_str(self)
    }
}

impl<const SEP: char> Visitor<'_> for Item<'_, SEP> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "a string of at most {} bytes", self.0.caps.len)
    }

    fn visit_str<E: de::Error>(self, value: &str) -> Result<(), E> {
        self.0.push(value)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read<const SEP: char>(json: &str, caps: Caps) -> Result<Packed<SEP>, serde_json::Error> {
        let mut de = serde_json::Deserializer::from_str(json);
        let list = de.deserialize_any(ListVisitor::<SEP>(caps))?;
        de.end()?;
        Ok(list)
    }

    const LIST: Caps = Caps {
        items: 3,
        len: 4,
        strings: false,
    };
    const STRINGS: Caps = Caps {
        strings: true,
        ..LIST
    };

    #[test]
    fn items_at_their_caps_and_one_over() {
        let list = read::<'\0'>(r#"["a","bcde","f"]"#, LIST).unwrap_or_default();
        assert_eq!(list.iter().collect::<Vec<_>>(), ["a", "bcde", "f"]);
        assert!(read::<'\0'>(r#"["a","b","c","d"]"#, LIST).is_err());
        assert!(read::<'\0'>(r#"["abcde"]"#, LIST).is_err());
        // Bytes, not characters: "éé" is four bytes, "ééa" five.
        assert!(read::<'\0'>(r#"["éé"]"#, LIST).is_ok());
        assert!(read::<'\0'>(r#"["ééa"]"#, LIST).is_err());
        assert!(read::<'\0'>(r#"["a",1]"#, LIST).is_err());
        assert!(
            read::<'\0'>(r#""a b""#, LIST).is_err(),
            "a string is not a list"
        );
        assert_eq!(
            read::<'\0'>("[]", LIST).map(|l| l.iter().count()).ok(),
            Some(0)
        );
    }

    #[test]
    fn a_space_delimited_string_is_read_with_the_same_caps() {
        let list = read::<' '>(r#"" a  bcde f ""#, STRINGS).unwrap_or_default();
        assert_eq!(list.joined(), "a bcde f");
        assert!(read::<' '>(r#""a b c d""#, STRINGS).is_err());
        assert!(read::<' '>(r#""abcde""#, STRINGS).is_err());
        assert_eq!(
            read::<' '>(r#""""#, STRINGS).map(|l| l.joined().len()).ok(),
            Some(0)
        );
        let list = read::<' '>(r#"["a","b"]"#, STRINGS).unwrap_or_default();
        assert!(list.contains("a") && list.contains("b") && !list.contains("a b"));
    }

    #[test]
    fn contains_matches_whole_items_only() {
        let wide = Caps { len: 16, ..LIST };
        let list = read::<'\0'>(r#"["admin","administrator","b"]"#, wide).unwrap_or_default();
        assert_eq!(list.iter().count(), 3);
        for held in ["admin", "administrator", "b"] {
            assert!(list.contains(held), "{held}");
        }
        for absent in [
            "",
            "adm",
            "min",
            "administrators",
            "Admin",
            "admin\0b",
            "b\0",
            "\0",
            "nistrator",
        ] {
            assert!(!list.contains(absent), "{absent:?}");
        }
        let one = read::<' '>(r#""orders:read""#, Caps { len: 16, ..STRINGS }).unwrap_or_default();
        assert!(one.contains("orders:read"));
        assert!(!one.contains("orders:read ") && !one.contains(" orders:read"));
        assert!(!Packed::<' '>::default().contains("a"));
    }

    #[test]
    fn items_that_can_match_nothing_count_but_are_not_kept() {
        // "b c" holds the separator: kept, it would read as two items.
        let list = read::<' '>(r#"["a","b c",""]"#, STRINGS).unwrap_or_default();
        assert_eq!(list.joined(), "a");
        assert!(!list.contains("b") && !list.contains("c") && !list.contains(""));
        assert!(read::<' '>(r#"["a","b c","","d"]"#, STRINGS).is_err());
        let wide = Caps { len: 12, ..LIST };
        let roles = read::<'\0'>(r#"["x\u0000y","with space"]"#, wide).unwrap_or_default();
        assert_eq!(roles.iter().collect::<Vec<_>>(), ["with space"]);
        assert!(!roles.contains("x"));
    }

    #[test]
    fn a_list_longer_than_the_stack_buffer_is_kept_whole() {
        let caps = Caps {
            items: 100,
            len: 20,
            strings: false,
        };
        let items: Vec<String> = (0..100).map(|i| format!("{i:0>20}")).collect();
        let quoted: Vec<String> = items.iter().map(|i| format!("\"{i}\"")).collect();
        let list = read::<'\0'>(&format!("[{}]", quoted.join(",")), caps).unwrap_or_default();
        assert_eq!(list.iter().collect::<Vec<_>>(), items);
        assert_eq!(list.joined().len(), 100 * 21 - 1);
    }

    #[test]
    fn the_buffer_is_never_larger_than_its_bound() {
        let json = format!("[{}]", ["\"abcd\""; 3].join(","));
        let list = read::<'\0'>(&json, LIST).unwrap_or_default();
        assert_eq!(list.joined().len(), 14);
        assert!(list.joined().len() <= Packed::<'\0'>::max_heap(3, 4));
    }
}
