//! The PETRARCH unit-test records (XML).
