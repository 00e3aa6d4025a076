use claimguard::Claims;

#[derive(Claims)]
#[claims(algorithms = [HS256])]
union User {
    a: u64,
    b: f64,
}

fn main() {}
