pub fn add(a: i32, b: i32) -> i32 {
    a + b
}

pub fn parse(s: &str) -> i32 {
    s.parse().unwrap()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn adds() {
        assert_eq!(add(2, 3), 5);
    }

    #[test]
    fn adds_wrong() {
        assert_eq!(add(2, 2), 5, "two plus two");
    }

    #[test]
    #[ignore = "slow"]
    fn ignored_slow() {
        assert!(false);
    }

    #[test]
    fn parse_panics() {
        parse("abc");
    }

    #[test]
    #[should_panic(expected = "invalid digit")]
    fn parse_should_panic() {
        parse("x1");
    }

    mod nested {
        #[test]
        fn deep_ok() {
            println!("noise from a passing test");
        }
    }
}
