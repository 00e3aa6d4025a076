#[derive(claimguard::Bounded)]
enum Role {}

fn main() {}
