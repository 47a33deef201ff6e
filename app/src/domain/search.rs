//! A reader's search, parsed once from what they typed into terms both search engines can run
//! safely: words (all must match, as DRF's `SearchFilter`), `"exact phrases"`, `prefix*` words
//! and `-excluded` words or phrases. Nothing a reader types is ever passed to an engine's query
//! syntax as is: every word is quoted when the query is written out
//! ([`SearchQuery::fts5_match`], [`SearchQuery::websearch_text`]), so `"`, `*`, `(`, `NEAR`,
//! `OR` or `:` cannot cause a syntax error or change the query's meaning.

/// The most terms a search uses (words, phrases, prefixes and exclusions together); later ones
/// are ignored, so one query cannot make the engine do unbounded work.
pub const MAX_TERMS: usize = 8;

/// The fewest characters of a prefix (`as*`); shorter ones are searched as whole words, because
/// a one-letter prefix matches most of the index.
pub const MIN_PREFIX_CHARS: usize = 2;

/// One term of a search.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct SearchTerm {
    /// The term's words, lower-cased, each made only of letters and digits: one word, or several
    /// for a phrase, which must appear together in this order.
    pub words: Vec<String>,
    /// The term as typed, without its quotes, leading `-` and trailing `*` (for PostgreSQL,
    /// whose own parser reads `1.87.0`, `rust-lang` or an email address as one token).
    pub text: String,
    /// The last word is a prefix (`asyn*` finds `async` and `asynchronous`).
    pub prefix: bool,
    /// Posts with this term are left out (`-word`, `-"a phrase"`).
    pub excluded: bool,
}

/// A parsed search: at least one term that must match, and any number that must not.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct SearchQuery {
    /// The terms in the order typed.
    pub terms: Vec<SearchTerm>,
}

impl SearchQuery {
    /// Parses what a reader typed. Words are split on anything that is not a letter or digit
    /// (as both engines' tokenisers do), so `don't` is two words and `C++` is `c`. `"…"` makes a
    /// phrase (an unclosed quote runs to the end), a leading `-` excludes the word or phrase
    /// after it, a trailing `*` makes a word a prefix (at least [`MIN_PREFIX_CHARS`] characters).
    ///
    /// Returns `None` when nothing is left that a post must contain (an empty query, only
    /// punctuation, or only exclusions): such a search finds nothing.
    pub fn parse(input: &str) -> Option<Self> {
        let mut terms = Vec::new();
        let mut chars = input.chars().peekable();
        while terms.len() < MAX_TERMS {
            while chars.next_if(|c| c.is_whitespace()).is_some() {}
            let Some(&first) = chars.peek() else { break };
            let excluded = first == '-';
            if excluded {
                chars.next();
            }
            let (raw, quoted) = if chars.next_if_eq(&'"').is_some() {
                let phrase: String = chars.by_ref().take_while(|c| *c != '"').collect();
                (phrase, true)
            } else {
                let word: String = chars.by_ref().take_while(|c| !c.is_whitespace()).collect();
                (word, false)
            };
            let prefix_mark = !quoted && raw.ends_with('*');
            let words = words_of(&raw);
            if words.is_empty() {
                continue;
            }
            let prefix = prefix_mark
                && words
                    .last()
                    .is_some_and(|w| w.chars().count() >= MIN_PREFIX_CHARS);
            // `don't` or `rust-lang` typed without quotes: the engines read these as a phrase
            // of their parts, so this does too.
            // Control characters (a NUL byte PostgreSQL refuses in text) go; they separate words.
            let text: String = raw
                .trim_end_matches('*')
                .trim()
                .chars()
                .map(|c| if c.is_control() { ' ' } else { c })
                .collect();
            terms.push(SearchTerm {
                words,
                text,
                prefix,
                excluded,
            });
        }
        terms.iter().any(|t| !t.excluded).then_some(Self { terms })
    }

    /// The terms a post must contain.
    pub fn required(&self) -> impl Iterator<Item = &SearchTerm> {
        self.terms.iter().filter(|t| !t.excluded)
    }

    /// The terms a post must not contain.
    pub fn excluded(&self) -> impl Iterator<Item = &SearchTerm> {
        self.terms.iter().filter(|t| t.excluded)
    }

    /// The query in SQLite FTS5's syntax: every term a quoted string (a phrase when it has
    /// several words), `*` after a prefix, required terms joined by `AND`, exclusions by `NOT`:
    /// `("async" AND "exact phrase" AND "asyn" *) NOT "survey"`. Every word is made only of
    /// letters and digits, so no quoting can be broken.
    pub fn fts5_match(&self) -> String {
        let quote = |t: &SearchTerm| {
            let mut s = format!("\"{}\"", t.words.join(" "));
            if t.prefix {
                s.push_str(" *");
            }
            s
        };
        let required: Vec<String> = self.required().map(quote).collect();
        let mut out = format!("({})", required.join(" AND "));
        for term in self.excluded() {
            out.push_str(" NOT ");
            out.push_str(&quote(term));
        }
        out
    }

    /// The terms that are not prefixes, written for PostgreSQL's `websearch_to_tsquery`: each the
    /// text as typed in quotes (so PostgreSQL's parser splits it as it split the posts, and reads
    /// no operator in it), exclusions with a leading `-`: `"async" "exact phrase" -"survey"`.
    /// `websearch_to_tsquery` accepts any text without error. `None` when every term is a
    /// prefix (see [`SearchQuery::prefix_tsqueries`]).
    pub fn websearch_text(&self) -> Option<String> {
        let parts: Vec<String> = self
            .terms
            .iter()
            .filter(|t| !t.prefix)
            .map(|t| {
                let sign = if t.excluded { "-" } else { "" };
                // `<` and `>` are spaces to the index (PostgreSQL would read `<…>` as markup).
                format!("{sign}\"{}\"", t.text.replace(['<', '>'], " "))
            })
            .collect();
        (!parts.is_empty()).then(|| parts.join(" "))
    }

    /// The prefix terms, each as `(text for to_tsquery, excluded)`: the words of a phrase joined
    /// by `<->` (followed by), the last one marked `:*` — `'asyn':*`. Every word is made only of
    /// letters and digits and quoted, so `to_tsquery` cannot fail on it.
    pub fn prefix_tsqueries(&self) -> Vec<(String, bool)> {
        self.terms
            .iter()
            .filter(|t| t.prefix)
            .map(|t| {
                let last = t.words.len() - 1;
                let parts: Vec<String> = t
                    .words
                    .iter()
                    .enumerate()
                    .map(|(i, w)| {
                        if i == last {
                            format!("'{w}':*")
                        } else {
                            format!("'{w}'")
                        }
                    })
                    .collect();
                (parts.join(" <-> "), t.excluded)
            })
            .collect()
    }
}

/// The words of `raw`: runs of letters and digits, lower-cased.
fn words_of(raw: &str) -> Vec<String> {
    raw.split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_lowercase)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn term(words: &[&str], prefix: bool, excluded: bool) -> SearchTerm {
        SearchTerm {
            words: words.iter().map(|w| (*w).to_string()).collect(),
            text: String::new(),
            prefix,
            excluded,
        }
    }

    /// The terms without their typed text (compared apart).
    fn terms(input: &str) -> Vec<SearchTerm> {
        SearchQuery::parse(input)
            .unwrap()
            .terms
            .into_iter()
            .map(|t| SearchTerm {
                text: String::new(),
                ..t
            })
            .collect()
    }

    #[test]
    fn words_phrases_prefixes_and_exclusions_are_parsed() {
        let input = r#"Async "Exact Phrase" asyn* -survey -"old news""#;
        let q = SearchQuery::parse(input).unwrap();
        assert_eq!(
            terms(input),
            vec![
                term(&["async"], false, false),
                term(&["exact", "phrase"], false, false),
                term(&["asyn"], true, false),
                term(&["survey"], false, true),
                term(&["old", "news"], false, true),
            ]
        );
        assert_eq!(
            q.fts5_match(),
            r#"("async" AND "exact phrase" AND "asyn" *) NOT "survey" NOT "old news""#
        );
        assert_eq!(
            q.websearch_text().unwrap(),
            r#""Async" "Exact Phrase" -"survey" -"old news""#
        );
        assert_eq!(q.prefix_tsqueries(), vec![("'asyn':*".to_string(), false)]);
    }

    #[test]
    fn query_syntax_typed_by_a_reader_is_only_ever_words() {
        for input in [
            r#"""#,
            "*",
            "(",
            "NEAR(",
            ") OR (",
            "a:b",
            "'; DROP TABLE posts; --",
            "\"unclosed phrase",
            "^title",
            "col:word",
        ] {
            if let Some(q) = SearchQuery::parse(input) {
                for t in &q.terms {
                    for w in &t.words {
                        assert!(w.chars().all(char::is_alphanumeric), "{input:?} gave {w:?}");
                    }
                }
                let fts = q.fts5_match();
                assert_eq!(fts.matches('"').count() % 2, 0, "{fts}");
            }
        }
        assert_eq!(
            terms("\"unclosed phrase"),
            vec![term(&["unclosed", "phrase"], false, false)]
        );
        assert_eq!(
            SearchQuery::parse("NEAR(").unwrap().fts5_match(),
            r#"("near")"#
        );
        assert_eq!(
            SearchQuery::parse("'; DROP TABLE posts; --")
                .unwrap()
                .websearch_text()
                .unwrap(),
            r#""DROP" "TABLE" "posts;""#
        );
    }

    #[test]
    fn nothing_required_finds_nothing() {
        assert_eq!(SearchQuery::parse(""), None);
        assert_eq!(SearchQuery::parse("   "), None);
        assert_eq!(SearchQuery::parse("( ) * \" -"), None);
        assert_eq!(SearchQuery::parse("-rust -\"async fn\""), None);
    }

    #[test]
    fn joined_words_become_a_phrase_and_short_prefixes_whole_words() {
        let q = SearchQuery::parse("don't rust-lang* a* C++ 1.87.0").unwrap();
        assert_eq!(
            terms("don't rust-lang* a* C++ 1.87.0"),
            vec![
                term(&["don", "t"], false, false),
                term(&["rust", "lang"], true, false),
                term(&["a"], false, false),
                term(&["c"], false, false),
                term(&["1", "87", "0"], false, false),
            ]
        );
        assert_eq!(q.websearch_text().unwrap(), r#""don't" "a" "C++" "1.87.0""#);
        assert_eq!(
            q.prefix_tsqueries(),
            vec![("'rust' <-> 'lang':*".to_string(), false)]
        );
        let excluded_prefix = SearchQuery::parse("rust -asyn*").unwrap();
        assert_eq!(excluded_prefix.fts5_match(), r#"("rust") NOT "asyn" *"#);
        assert_eq!(
            excluded_prefix.prefix_tsqueries(),
            vec![("'asyn':*".to_string(), true)]
        );
        assert_eq!(excluded_prefix.websearch_text().unwrap(), r#""rust""#);
        assert_eq!(
            SearchQuery::parse("nul\0byte")
                .unwrap()
                .websearch_text()
                .unwrap(),
            "\"nul byte\""
        );
        assert_eq!(
            terms("\"quoted\"\"twice\""),
            vec![
                term(&["quoted"], false, false),
                term(&["twice"], false, false)
            ]
        );
    }

    #[test]
    fn terms_are_bounded() {
        let q = SearchQuery::parse(&"word ".repeat(50)).unwrap();
        assert_eq!(q.terms.len(), MAX_TERMS);
        let unicode = SearchQuery::parse("Café ÉCOLE").unwrap();
        assert_eq!(unicode.terms[1].words, vec!["école".to_string()]);
    }
}
