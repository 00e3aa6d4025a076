#[derive(claimguard::Bounded)]
enum Role {
    #[claims(max_len = 3)]
    Admin,
}

fn main() {}
