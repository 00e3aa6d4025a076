use claimguard::Claims;

#[derive(Claims)]
#[claims(algorithms = [HS256])]
struct User {
    // `max_len` caps the keys and string values; a list as a value needs a
    // nested type with caps of its own.
    #[claims(max_items = 4, max_len = 16)]
    groups: std::collections::HashMap<String, Vec<String>>,
}

fn main() {}
