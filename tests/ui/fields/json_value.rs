use claimguard::Claims;

#[derive(Claims)]
#[claims(algorithms = [HS256])]
struct User {
    extra: serde_json::Value,
}

fn main() {}
