#[derive(claimguard::Bounded)]
#[claims(issuer = "https://issuer.example")]
struct Org {
    id: u64,
}

fn main() {}
