//! The attribute reference is written twice, in the README and in the
//! crate's manual (`runtime/src/lib.rs`), and the derive has its own list of
//! the keys it takes (`macros/src/symbol.rs`): the three must name the same
//! attributes, so that neither table can drift from what compiles.

use std::collections::BTreeSet;

fn read(path: &str) -> String {
    let path = format!("{}/../{path}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// The attribute names in the first column of the table that follows the
/// first line containing `heading`: `` `leeway = 30` `` gives `leeway`,
/// `` `cache(capacity = ...)` `` gives `cache`.
fn table_keys(text: &str, heading: &str) -> BTreeSet<String> {
    let lines: Vec<&str> = text
        .lines()
        .map(|line| line.trim_start_matches("//!").trim())
        .collect();
    let start = lines
        .iter()
        .position(|line| line.contains(heading))
        .unwrap_or_else(|| panic!("no line with {heading:?}"));
    lines[start..]
        .iter()
        .skip_while(|line| !line.starts_with('|'))
        .take_while(|line| line.starts_with('|'))
        .skip(2)
        .filter_map(|row| {
            let cell = row.trim_start_matches('|').split('|').next()?.trim();
            let code = cell.strip_prefix('`')?;
            let name: String = code
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                .collect();
            Some(name)
        })
        .collect()
}

/// The keys of a `pub const NAME: &[&str] = &[A, B, ...];` list in the
/// macros' keyword table, by the values of the constants it names.
fn symbol_list(symbols: &str, list: &str) -> BTreeSet<String> {
    let value = |name: &str| {
        symbols
            .lines()
            .find_map(|line| {
                let rest = line
                    .trim()
                    .strip_prefix(&format!("pub const {name}: &str = \""))?;
                rest.strip_suffix("\";").map(str::to_owned)
            })
            .unwrap_or_else(|| panic!("no keyword constant {name}"))
    };
    let start = symbols
        .find(&format!("pub const {list}: &[&str] = &["))
        .unwrap_or_else(|| panic!("no list {list}"));
    let body = &symbols[start..];
    let open = body.find("= &[").map_or(0, |at| at + 4);
    let close = body.find("];").unwrap_or(body.len());
    body[open..close]
        .split(',')
        .map(str::trim)
        .filter(|name| !name.is_empty())
        .map(value)
        .collect()
}

#[test]
fn the_readme_the_manual_and_the_derive_name_the_same_attributes() {
    let readme = read("README.md");
    let manual = read("runtime/src/lib.rs");
    let symbols = read("macros/src/symbol.rs");
    let derive_container = symbol_list(&symbols, "CONTAINER_KEYS");
    let derive_field = symbol_list(&symbols, "FIELD_KEYS");
    assert!(derive_container.contains("algorithms") && derive_field.contains("max_len"));

    let readme_container = table_keys(&readme, "On the struct, `#[claims(...)]`");
    let readme_field = table_keys(&readme, "On a field, `#[claims(...)]`");
    let manual_container = table_keys(&manual, "# Container attributes");
    let manual_field = table_keys(&manual, "# Field attributes");

    assert_eq!(
        readme_container, derive_container,
        "README, struct attributes"
    );
    assert_eq!(
        manual_container, derive_container,
        "crate docs, struct attributes"
    );
    assert_eq!(readme_field, derive_field, "README, field attributes");
    assert_eq!(manual_field, derive_field, "crate docs, field attributes");
}
