use claimguard::Claims;

#[derive(Claims)]
#[claims(algorithms = [HS256], crate = ::claimgaurd)]
struct User {
    exp: u64,
}

fn main() {}
