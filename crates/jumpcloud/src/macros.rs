//! `string_enum!`: string enums that never fail to decode; `customizable!`: a request builder's
//! `customize`.

/// Defines a string enum with an `Unknown(String)` variant, so a value added to the API later
/// decodes instead of failing, and round-trips unchanged.
#[doc(hidden)]
#[macro_export]
macro_rules! string_enum {
    ($(#[$meta:meta])* $name:ident { $($variant:ident = $wire:literal,)* }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum $name {
            $(
                #[doc = concat!("`", $wire, "`")]
                $variant,
            )*
            /// A value this version of the client does not know.
            Unknown(String),
        }

        impl $name {
            /// The value on the wire.
            pub fn as_str(&self) -> &str {
                match self {
                    $(Self::$variant => $wire,)*
                    Self::Unknown(s) => s,
                }
            }
        }

        impl ::std::str::FromStr for $name {
            type Err = ::std::convert::Infallible;
            fn from_str(s: &str) -> ::std::result::Result<Self, Self::Err> {
                Ok(match s {
                    $($wire => Self::$variant,)*
                    other => Self::Unknown(other.to_owned()),
                })
            }
        }

        impl ::std::fmt::Display for $name {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl ::serde::Serialize for $name {
            fn serialize<S: ::serde::Serializer>(&self, s: S) -> ::std::result::Result<S::Ok, S::Error> {
                s.serialize_str(self.as_str())
            }
        }

        impl<'de> ::serde::Deserialize<'de> for $name {
            fn deserialize<D: ::serde::Deserializer<'de>>(d: D) -> ::std::result::Result<Self, D::Error> {
                let s = <::std::borrow::Cow<'de, str> as ::serde::Deserialize>::deserialize(d)?;
                Ok(s.parse().unwrap_or_else(|never: ::std::convert::Infallible| match never {}))
            }
        }
    };
}

/// Gives a generated request builder `customize`: one line per builder keeps the generated code
/// lean.
#[doc(hidden)]
#[macro_export]
macro_rules! customizable {
    ($builder:ident) => {
        impl $builder {
            /// Overrides the client's timeout or retry policy for this request only (see
            /// [`OpRequest::customize`](crate::OpRequest::customize)).
            pub fn customize(
                mut self,
                f: impl FnOnce($crate::RequestOptions) -> $crate::RequestOptions,
            ) -> Self {
                self.r.customize(f);
                self
            }
        }
    };
}
