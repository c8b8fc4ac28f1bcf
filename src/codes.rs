//! [`named_codes!`]: the enums of a vendor's named error codes.

/// Defines a public enum of named vendor codes, with a catch-all `Other(i64)`, and
/// the methods that map between the names, the numbers and their descriptions.
///
/// ```text
/// named_codes! {
///     /// Enum docs.
///     #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
///     pub enum Code {
///         /// Variant docs.
///         Other(code) => "description of any other code",
///         /// Variant docs.
///         NotFound = 404, "NOT_FOUND" => "not found",
///         …
///     }
///     /// Method docs.
///     pub fn from_code;
///     /// Method docs.
///     pub fn code;
///     /// Method docs.
///     pub fn description;
///     /// Method docs (optional, with a name per variant).
///     pub fn name;
///     const CODES: &[(Code, i64, &str)]; // optional, for tests
/// }
/// ```
///
/// `Other` is written first (so that macro_rules can tell its docs from those of
/// the named variants) but is emitted as the last variant. Its pattern (`_` or a
/// binding of the number) and expression give its description. The generated
/// methods:
///
/// - `from_code(i64) -> Self`: the named variant for a number, else `Other(n)`;
/// - `code(self) -> i64`: the number (`Other`'s own);
/// - `name(self) -> &'static str`: the second string of each variant (`Other`'s
///   after the comma), only when `pub fn name;` is given;
/// - `description(self) -> &'static str`: the string after `=>`.
///
/// The optional `const` names a test-only table of every named code,
/// `&[(Code, i64, &str)]`.
#[allow(unused_macros)] // Datalab has no named codes
macro_rules! named_codes {
    (@name [] [$($other_name:literal)?] $Enum:ident $($variants:tt)*) => {};
    (
        @name [$(#[$doc:meta])* pub fn name;] [$other_name:literal]
        $Enum:ident $($variant:ident = $name:literal,)*
    ) => {
        $(#[$doc])*
        pub fn name(self) -> &'static str {
            match self {
                $($Enum::$variant => $name,)*
                $Enum::Other(_) => $other_name,
            }
        }
    };
    (@table [] $Enum:ident $($rows:tt)*) => {};
    (
        @table [$table:ident: &[($Row:ident, i64, &str)];]
        $Enum:ident $(($variant:ident, $code:literal, $text:literal))*
    ) => {
        #[cfg(test)]
        pub(crate) const $table: &[($Row, i64, &str)] = &[$(($Enum::$variant, $code, $text)),*];
    };
    (
        $(#[$attr:meta])*
        $vis:vis enum $Enum:ident {
            $(#[$other_doc:meta])*
            Other($other:pat) $(, $other_name:literal)? => $other_text:expr,
            $(
                $(#[$doc:meta])*
                $variant:ident = $code:literal $(, $name:literal)? => $text:literal,
            )*
        }
        $(#[$from_doc:meta])*
        pub fn from_code;
        $(#[$code_doc:meta])*
        pub fn code;
        $(#[$description_doc:meta])*
        pub fn description;
        $(
            $(#[$name_doc:meta])*
            pub fn name;
        )?
        $(const $table:ident: $($layout:tt)+)?
    ) => {
        $(#[$attr])*
        $vis enum $Enum {
            $($(#[$doc])* $variant,)*
            $(#[$other_doc])*
            Other(i64),
        }

        impl $Enum {
            $(#[$from_doc])*
            pub fn from_code(code: i64) -> $Enum {
                match code {
                    $($code => $Enum::$variant,)*
                    other => $Enum::Other(other),
                }
            }

            $(#[$code_doc])*
            pub fn code(self) -> i64 {
                match self {
                    $($Enum::$variant => $code,)*
                    $Enum::Other(code) => code,
                }
            }

            $crate::codes::named_codes!(
                @name [$($(#[$name_doc])* pub fn name;)?] [$($other_name)?]
                $Enum $($variant $(= $name)?,)*
            );

            $(#[$description_doc])*
            pub fn description(self) -> &'static str {
                match self {
                    $($Enum::$variant => $text,)*
                    $Enum::Other($other) => $other_text,
                }
            }
        }

        $crate::codes::named_codes!(
            @table [$($table: $($layout)+)?]
            $Enum $(($variant, $code, $text))*
        );
    };
}

#[allow(unused_imports)] // Datalab has no named codes
pub(crate) use named_codes;
