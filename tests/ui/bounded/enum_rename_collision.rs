#[derive(claimguard::Bounded)]
enum Role {
    #[claims(rename = "Admin")]
    Root,
    Admin,
}

fn main() {}
