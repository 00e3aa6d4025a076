use claimguard::Claims;

// A value that does not parse comes first; the two mistakes after it are
// still reported, in the same build.
#[derive(Claims)]
#[claims(leeway = "30", isuer = "https://issuer.example", typ = JWT, algorithms = [HS256])]
struct User {
    exp: u64,
}

fn main() {}
