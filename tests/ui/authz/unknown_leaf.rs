claimguard::requirement! {
    struct Bad = scop("orders:read");
}

fn main() {}
