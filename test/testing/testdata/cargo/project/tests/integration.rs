use cargotests::add;

#[test]
fn integration_ok() {
    assert_eq!(add(1, 1), 2);
}

#[test]
fn integration_fail() {
    assert!(add(1, 1) > 5, "sum too small: {}", add(1, 1));
}
