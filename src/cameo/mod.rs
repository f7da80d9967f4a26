//! The CAMEO ontology: event codes, names, Goldstein values, quad classes and the
//! PLOVER mapping, from one table.

mod actors_table;
mod table;

use std::collections::HashMap;
use std::sync::LazyLock;

/// Facts about one CAMEO event code.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct CodeInfo {
    /// The code with its leading zeros (`036`, `0311`).
    pub code: &'static str,
    /// Its name.
    pub name: &'static str,
    /// Goldstein conflict-cooperation value (-10 .. +10).
    pub goldstein: f64,
    /// PLOVER event type.
    pub plover_type: &'static str,
    /// PLOVER mode.
    pub plover_mode: &'static str,
    /// PLOVER context.
    pub plover_context: &'static str,
}

impl CodeInfo {
    /// The two-digit root code.
    pub fn root(&self) -> &'static str {
        &self.code[..2]
    }

    /// Quad class in the GDELT convention: 1 verbal cooperation (roots 01-05),
    /// 2 material cooperation (06-08), 3 verbal conflict (09-13), 4 material conflict (14-20).
    pub fn quad_class(&self) -> u8 {
        quad_class_of_root(self.root())
    }
}

/// GDELT quad class of a two-digit root, 0 when unknown.
pub fn quad_class_of_root(root: &str) -> u8 {
    match root.parse::<u8>() {
        Ok(1..=5) => 1,
        Ok(6..=8) => 2,
        Ok(9..=13) => 3,
        Ok(14..=20) => 4,
        _ => 0,
    }
}

/// Name of a quad class.
pub fn quad_class_name(q: u8) -> &'static str {
    match q {
        1 => "Verbal Cooperation",
        2 => "Material Cooperation",
        3 => "Verbal Conflict",
        4 => "Material Conflict",
        _ => "",
    }
}

static BY_CODE: LazyLock<HashMap<&'static str, &'static CodeInfo>> =
    LazyLock::new(|| table::CODES.iter().map(|c| (c.code, c)).collect());

/// Every code, in code order.
pub fn all() -> &'static [CodeInfo] {
    table::CODES
}

/// Looks a code up. A code that is not in the table but whose three-digit or root
/// prefix is (a dictionary's local extension such as `0874x`) is not found.
pub fn lookup(code: &str) -> Option<&'static CodeInfo> {
    BY_CODE.get(code).copied()
}

/// The best ontology entry for a coded event: the code itself, else its three-digit
/// parent, else its root.
pub fn lookup_nearest(code: &str) -> Option<&'static CodeInfo> {
    lookup(code)
        .or_else(|| code.get(..3).and_then(lookup))
        .or_else(|| code.get(..2).and_then(lookup))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_facts() {
        assert!(all().len() >= 300);
        let c = lookup("190").unwrap();
        assert_eq!(c.root(), "19");
        assert_eq!(c.quad_class(), 4);
        assert!(c.goldstein < -9.0);
        assert_eq!(lookup("036").unwrap().quad_class(), 1);
        assert_eq!(lookup("0874").unwrap().quad_class(), 2);
        assert_eq!(lookup("120").unwrap().quad_class(), 3);
        assert!(lookup("36").is_none());
        assert_eq!(lookup_nearest("0429").unwrap().code, "042");
        let roots: Vec<&str> = all()
            .iter()
            .filter(|c| c.code.len() == 2)
            .map(|c| c.code)
            .collect();
        assert_eq!(roots.len(), 20);
    }
}

/// Actor code facts: country and role codes.
pub mod actors {
    use super::actors_table as table;

    use std::sync::LazyLock;

    /// A set of three-letter upper-case codes: one bit for each of the 26^3 codes.
    /// (Writers ask for every actor of every row, so this is a bit test and not a
    /// search.)
    struct CodeSet([u64; CodeSet::WORDS]);

    impl CodeSet {
        const WORDS: usize = (26usize * 26 * 26).div_ceil(64);

        fn of(codes: &[&str]) -> CodeSet {
            let mut set = CodeSet([0; CodeSet::WORDS]);
            for code in codes {
                let k = CodeSet::index(code).expect("codes are three capital letters");
                set.0[k / 64] |= 1 << (k % 64);
            }
            set
        }

        fn index(code: &str) -> Option<usize> {
            match code.as_bytes() {
                [a, b, c] if [a, b, c].iter().all(|l| l.is_ascii_uppercase()) => Some(
                    (usize::from(a - b'A') * 26 + usize::from(b - b'A')) * 26
                        + usize::from(c - b'A'),
                ),
                _ => None,
            }
        }

        fn contains(&self, code: &str) -> bool {
            CodeSet::index(code).is_some_and(|k| self.0[k / 64] & (1 << (k % 64)) != 0)
        }
    }

    static COUNTRIES: LazyLock<CodeSet> = LazyLock::new(|| CodeSet::of(table::COUNTRIES));
    static ROLES: LazyLock<CodeSet> = LazyLock::new(|| CodeSet::of(table::ROLES));

    /// Whether `code` is a three-letter CAMEO country or region code.
    pub fn is_country(code: &str) -> bool {
        COUNTRIES.contains(code)
    }

    /// Whether `code` is a three-letter CAMEO role or type code (GOV, MIL, IGO...).
    pub fn is_role(code: &str) -> bool {
        ROLES.contains(code)
    }

    /// All country codes.
    pub fn countries() -> &'static [&'static str] {
        table::COUNTRIES
    }

    #[cfg(test)]
    mod tests {
        use super::*;

        #[test]
        fn the_sets_hold_exactly_the_tables_codes() {
            let letters = b'A'..=b'Z';
            for a in letters.clone() {
                for b in letters.clone() {
                    for c in letters.clone() {
                        let code = String::from_utf8(vec![a, b, c]).unwrap();
                        assert_eq!(
                            is_country(&code),
                            table::COUNTRIES.contains(&code.as_str()),
                            "{code}"
                        );
                        assert_eq!(
                            is_role(&code),
                            table::ROLES.contains(&code.as_str()),
                            "{code}"
                        );
                    }
                }
            }
            for other in ["", "US", "USAX", "usa", "U1A", "ÉTA"] {
                assert!(!is_country(other) && !is_role(other), "{other}");
            }
        }
    }
}
