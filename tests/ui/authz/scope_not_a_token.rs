claimguard::requirement! {
    struct Bad = scope("orders read");
}

fn main() {}
