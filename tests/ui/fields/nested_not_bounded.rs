use claimguard::Claims;

struct Org {
    id: u64,
}

#[derive(Claims)]
#[claims(algorithms = [HS256])]
struct User {
    org: Org,
}

fn main() {}
