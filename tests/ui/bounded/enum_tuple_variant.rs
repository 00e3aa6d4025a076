#[derive(claimguard::Bounded)]
enum Role {
    Admin,
    Custom(u8),
}

fn main() {}
