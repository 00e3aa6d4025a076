use claimguard::Claims;

#[derive(Claims)]
#[claims(algorithms = [HS256])]
enum User {
    Admin,
}

fn main() {}
