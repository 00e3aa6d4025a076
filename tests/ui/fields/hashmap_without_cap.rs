use claimguard::Claims;

#[derive(Claims)]
#[claims(algorithms = [HS256])]
struct User {
    attrs: std::collections::HashMap<String, u64>,
}

fn main() {}
