// Copied into tests/ by capture.sh to capture a build failure.
use cargotests::subtract;

#[test]
fn uses_missing_function() {
    assert_eq!(subtract(3, 1), 2);
}
