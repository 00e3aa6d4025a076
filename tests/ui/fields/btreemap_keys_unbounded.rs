use claimguard::Claims;

#[derive(Claims)]
#[claims(algorithms = [HS256])]
struct User {
    #[claims(max_items = 4)]
    attrs: std::collections::BTreeMap<String, u64>,
}

fn main() {}
