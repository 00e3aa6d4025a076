use claimguard::Claims;

type Name = String;

#[derive(Claims)]
#[claims(algorithms = [HS256])]
struct User {
    name: Name,
}

fn main() {}
