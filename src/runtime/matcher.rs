//! Free text to intent (LANGUAGE.md section 5, step 5): which reachable intent's `examples` best
//! match what a person typed, if any matches well enough.
//!
//! Both the examples and the message go through the same words pipeline: folded (case, accents,
//! punctuation and extra spaces ignored), chat shorthand of the bot's language expanded (`vc`,
//! `qnd`, `pls`), filler and other small words dropped (`crate::matching::is_minor`), numbers
//! dropped, and each word kept with a light stem (`academias` and `academia`, `cobrado` and
//! `cobrada`, `shipped` and `ships` meet). A word of the message matches a word of the examples
//! when they are equal, have the same stem, or are one typo apart: optimal string alignment
//! distance 1 for words of 4 to 7 letters, 2 from 8 letters, same first letter; a typo match
//! counts a little less.
//!
//! Words are weighted by how rare they are among the bot's intents (IDF over the intents'
//! examples: a word every intent uses says little). An intent's score is the geometric mean of
//! - how much of its best example the message covers (weighted words of the example found), and
//! - how much of the message the intent explains (weighted words of the message found in any of
//!   the intent's examples). A word no reachable intent uses weighs `UNKNOWN_WEIGHT` of a word
//!   used by a single intent; stray letters and emoji no example uses do not count.
//!
//! So word order does not matter, an extra word or two costs a little, and one shared word among
//! many others does not reach the threshold. A message equal to an example once folded scores 1.
//! Only intents with examples that the contact's audience may reach compete; the best one scores
//! at least [`THRESHOLD`] or there is no match. Deterministic: no randomness, words are visited
//! in sorted order, and a tie goes to the intent declared first.
//!
//! Measured on `tests/phrasings/*.tsv` by `tests/matcher.rs`.

use std::collections::HashMap;

use crate::fold::fold;
use crate::matching::{chat_word, is_minor, stem};
use crate::model::Model;

/// The least score (0 to 1) by which free text reaches an intent; below it the fallback is said.
/// One word of a two-word example, with three unknown words around it, scores about 0.45; the
/// held-out phrasings are best served from 0.4 (0.45 misses many more, 0.35 adds false
/// positives).
pub const THRESHOLD: f64 = 0.4;

/// How much a word of the message that no example uses weighs, as a fraction of the weight of a
/// word used by a single intent.
const UNKNOWN_WEIGHT: f64 = 0.5;

/// How much a word matched through a typo counts, by distance (index 1 and 2).
const TYPO_SIMILARITY: [f64; 3] = [1.0, 0.8, 0.6];

/// The intent a text reaches, with its score (from [`THRESHOLD`] to 1).
#[derive(Debug, Clone, PartialEq)]
pub struct Match {
    pub intent: String,
    pub score: f64,
}

/// Built once per bot from its model; `best` is then cheap (no allocation per vocabulary word).
pub struct Matcher {
    language: String,
    /// Every distinct word of every example (after the pipeline), by id.
    words: Vec<Word>,
    by_text: HashMap<String, u32>,
    by_stem: HashMap<String, Vec<u32>>,
    /// Word ids by length in characters, for typo candidates.
    by_len: Vec<Vec<u32>>,
    /// Weight of each word id.
    idf: Vec<f64>,
    /// The intents (indexes into `intents`) whose examples use each word id.
    word_intents: Vec<Vec<u32>>,
    /// Intents by their examples' folded text, for a message that is an example.
    by_example: HashMap<String, Vec<u32>>,
    unknown_weight: f64,
    intents: Vec<IntentEntry>,
}

struct Word {
    text: String,
    chars: usize,
    /// How many of each letter a-z, to rule out most typo candidates before computing distance.
    letters: [u8; 26],
}

struct IntentEntry {
    name: String,
    /// Empty: everyone.
    audiences: Vec<String>,
    /// Sorted word ids used by any of its examples.
    words: Vec<u32>,
    examples: Vec<ExampleEntry>,
}

struct ExampleEntry {
    normalized: String,
    /// Sorted, distinct word ids.
    words: Vec<u32>,
    /// Sum of the weights of its words.
    total: f64,
}

/// A word of the message and the example words it matches, with similarity.
struct QueryWord {
    /// Empty: a word no example uses.
    matches: Vec<(u32, f64)>,
}

impl Matcher {
    pub fn new(model: &Model) -> Matcher {
        let language = model.bot.language.to_ascii_lowercase();
        let mut words: Vec<Word> = Vec::new();
        let mut by_text: HashMap<String, u32> = HashMap::new();
        let mut intents = Vec::new();
        for (name, intent) in &model.intents {
            if intent.examples.is_empty() {
                continue;
            }
            let mut examples = Vec::new();
            let mut intent_words = Vec::new();
            for example in &intent.examples {
                let normalized = example.normalized.clone();
                let mut ids: Vec<u32> = pipeline(&normalized, &language)
                    .into_iter()
                    .map(|w| {
                        *by_text.entry(w.clone()).or_insert_with(|| {
                            words.push(Word::new(w));
                            (words.len() - 1) as u32
                        })
                    })
                    .collect();
                ids.sort_unstable();
                ids.dedup();
                intent_words.extend_from_slice(&ids);
                examples.push(ExampleEntry {
                    normalized,
                    words: ids,
                    total: 0.0,
                });
            }
            intent_words.sort_unstable();
            intent_words.dedup();
            intents.push(IntentEntry {
                name: name.clone(),
                audiences: intent.audiences.clone(),
                words: intent_words,
                examples,
            });
        }
        // IDF over intents: the documents are the intents' examples taken together.
        let mut word_intents: Vec<Vec<u32>> = vec![Vec::new(); words.len()];
        for (i, intent) in intents.iter().enumerate() {
            for &id in &intent.words {
                word_intents[id as usize].push(i as u32);
            }
        }
        let n = intents.len().max(1) as f64;
        let idf: Vec<f64> = word_intents
            .iter()
            .map(|d| (1.0 + n / d.len().max(1) as f64).ln())
            .collect();
        for intent in &mut intents {
            for example in &mut intent.examples {
                example.total = example.words.iter().map(|&id| idf[id as usize]).sum();
            }
        }
        let mut by_stem: HashMap<String, Vec<u32>> = HashMap::new();
        let mut by_len: Vec<Vec<u32>> = Vec::new();
        for (id, word) in words.iter().enumerate() {
            by_stem.entry(stem(&word.text)).or_default().push(id as u32);
            if by_len.len() <= word.chars {
                by_len.resize(word.chars + 1, Vec::new());
            }
            by_len[word.chars].push(id as u32);
        }
        let mut by_example: HashMap<String, Vec<u32>> = HashMap::new();
        for (i, intent) in intents.iter().enumerate() {
            for example in &intent.examples {
                by_example
                    .entry(example.normalized.clone())
                    .or_default()
                    .push(i as u32);
            }
        }
        Matcher {
            by_example,
            language,
            words,
            by_text,
            by_stem,
            by_len,
            idf,
            word_intents,
            unknown_weight: UNKNOWN_WEIGHT * (1.0 + n).ln(),
            intents,
        }
    }

    /// The reachable intent whose examples best match `text`, if its score reaches
    /// [`THRESHOLD`]. `audience` is the contact's audience (`None`: no audience, which reaches
    /// only intents without `for`).
    pub fn best(&self, text: &str, audience: Option<&str>) -> Option<Match> {
        let folded = fold(text);
        // A message that is an example, word for word, goes to that example's intent.
        if let Some(list) = self.by_example.get(&folded) {
            if let Some(&i) = list.iter().find(|&&i| self.reaches(i, audience)) {
                return Some(Match {
                    intent: self.intents[i as usize].name.clone(),
                    score: 1.0,
                });
            }
        }
        self.candidate_scores(&folded, audience)
            .into_iter()
            .filter(|(_, score)| *score >= THRESHOLD)
            // max_by keeps the last of equals: reverse so that the first declared wins
            .rev()
            .max_by(|a, b| a.1.total_cmp(&b.1))
            .map(|(i, score)| Match {
                intent: self.intents[i as usize].name.clone(),
                score,
            })
    }

    /// The score of every reachable intent with examples, in declaration order (for tests and
    /// for explaining a choice).
    pub fn scores(&self, text: &str, audience: Option<&str>) -> Vec<(&str, f64)> {
        let folded = fold(text);
        let found = self.candidate_scores(&folded, audience);
        (0..self.intents.len() as u32)
            .filter(|&i| self.reaches(i, audience))
            .map(|i| {
                let exact = self.intents[i as usize]
                    .examples
                    .iter()
                    .any(|e| e.normalized == folded);
                let score = if exact {
                    1.0
                } else {
                    found.iter().find(|(c, _)| *c == i).map_or(0.0, |(_, s)| *s)
                };
                (self.intents[i as usize].name.as_str(), score)
            })
            .collect()
    }

    fn reaches(&self, intent: u32, audience: Option<&str>) -> bool {
        self.intents
            .get(intent as usize)
            .is_some_and(|i| reaches(&i.audiences, audience))
    }

    /// Scores of the reachable intents that share a word with the message (any other scores
    /// 0), in declaration order: a message is compared with a handful of intents, not all.
    fn candidate_scores(&self, folded: &str, audience: Option<&str>) -> Vec<(u32, f64)> {
        let query = self.query(folded);
        // A word only unreachable intents use says as much as a word no example uses.
        let weights: Vec<f64> = query
            .iter()
            .map(|q| {
                q.matches
                    .iter()
                    .filter(|(id, _)| {
                        self.word_intents[*id as usize]
                            .iter()
                            .any(|&i| self.reaches(i, audience))
                    })
                    .map(|&(id, _)| self.idf[id as usize])
                    .fold(None, |acc: Option<f64>, w| {
                        Some(acc.map_or(w, |a| a.max(w)))
                    })
                    .unwrap_or(self.unknown_weight)
            })
            .collect();
        let total: f64 = weights.iter().sum();
        if total <= 0.0 {
            return Vec::new();
        }
        // The best similarity of each matched example word, sorted by word id.
        let mut best_sim: Vec<(u32, f64)> = query
            .iter()
            .flat_map(|q| q.matches.iter().copied())
            .collect();
        best_sim.sort_by(|a, b| a.0.cmp(&b.0).then(b.1.total_cmp(&a.1)));
        best_sim.dedup_by_key(|(id, _)| *id);
        let sim_of = |id: u32| {
            best_sim
                .binary_search_by_key(&id, |(w, _)| *w)
                .map_or(0.0, |k| best_sim[k].1)
        };
        let mut candidates: Vec<u32> = best_sim
            .iter()
            .flat_map(|(id, _)| self.word_intents[*id as usize].iter().copied())
            .filter(|&i| self.reaches(i, audience))
            .collect();
        candidates.sort_unstable();
        candidates.dedup();
        candidates
            .into_iter()
            .map(|i| {
                let intent = &self.intents[i as usize];
                let explained: f64 = query
                    .iter()
                    .zip(&weights)
                    .map(|(q, weight)| {
                        let sim = q
                            .matches
                            .iter()
                            .filter(|(id, _)| intent.words.binary_search(id).is_ok())
                            .map(|&(_, sim)| sim)
                            .fold(0.0, f64::max);
                        weight * sim
                    })
                    .sum::<f64>()
                    / total;
                let covered = intent
                    .examples
                    .iter()
                    .filter(|e| e.total > 0.0)
                    .map(|e| {
                        e.words
                            .iter()
                            .map(|&id| self.idf[id as usize] * sim_of(id))
                            .sum::<f64>()
                            / e.total
                    })
                    .fold(0.0, f64::max);
                (i, (explained * covered).sqrt())
            })
            .collect()
    }

    /// The words of a folded message, each with the example words it matches.
    fn query(&self, folded: &str) -> Vec<QueryWord> {
        pipeline(folded, &self.language)
            .into_iter()
            .filter_map(|w| {
                let matches = self.matches_of(&w);
                if matches.is_empty() {
                    // a stray letter, `ok`, an emoji no example uses: not worth a weight
                    let short = w.chars().count() <= 2 && w.bytes().all(|b| b.is_ascii());
                    let symbol = !w.chars().any(char::is_alphabetic);
                    if short || symbol {
                        return None;
                    }
                }
                Some(QueryWord { matches })
            })
            .collect()
    }

    /// The example words a message word matches: the same word or stem (similarity 1), else the
    /// words one or two typos away.
    fn matches_of(&self, word: &str) -> Vec<(u32, f64)> {
        let mut out: Vec<(u32, f64)> = Vec::new();
        if let Some(&id) = self.by_text.get(word) {
            out.push((id, 1.0));
        }
        if let Some(ids) = self.by_stem.get(&stem(word)) {
            for &id in ids {
                if !out.iter().any(|(o, _)| *o == id) {
                    out.push((id, 1.0));
                }
            }
        }
        if !out.is_empty() {
            return out;
        }
        let query = Word::new(word.to_string());
        let n = query.chars;
        if n < 4 {
            return out;
        }
        for len in n.saturating_sub(2)..=(n + 2).min(self.by_len.len().saturating_sub(1)) {
            let Some(ids) = self.by_len.get(len) else {
                continue;
            };
            let limit = max_typos(n.min(len));
            if limit == 0 || n.abs_diff(len) > limit {
                continue;
            }
            for &id in ids {
                let candidate = &self.words[id as usize];
                // people rarely get the first letter wrong; "there" is not a typo of "where"
                if candidate.text.chars().next() != word.chars().next() {
                    continue;
                }
                // every edit changes the letter counts by at most 2
                let apart: u32 = query
                    .letters
                    .iter()
                    .zip(&candidate.letters)
                    .map(|(a, b)| u32::from(a.abs_diff(*b)))
                    .sum();
                if apart as usize > 2 * limit {
                    continue;
                }
                let distance = strsim::osa_distance(word, &candidate.text);
                if distance <= limit {
                    out.push((id, TYPO_SIMILARITY[distance]));
                }
            }
        }
        out
    }
}

impl Word {
    fn new(text: String) -> Word {
        let mut letters = [0u8; 26];
        let mut chars = 0;
        for c in text.chars() {
            chars += 1;
            if c.is_ascii_lowercase() {
                let slot = &mut letters[(c as u8 - b'a') as usize];
                *slot = slot.saturating_add(1);
            }
        }
        Word {
            text,
            chars,
            letters,
        }
    }
}

/// Typos tolerated in a word of `chars` characters (the shorter of the two compared).
fn max_typos(chars: usize) -> usize {
    match chars {
        0..=3 => 0,
        4..=7 => 1,
        _ => 2,
    }
}

/// Whether a contact in `audience` may reach an intent for `audiences` (empty: everyone).
fn reaches(audiences: &[String], audience: Option<&str>) -> bool {
    audiences.is_empty() || audience.is_some_and(|a| audiences.iter().any(|x| x == a))
}

/// The words of folded text that count: chat shorthand expanded, no filler words, no numbers;
/// sorted and without repeats.
fn pipeline(folded: &str, language: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for typed in folded.split(' ').filter(|w| !w.is_empty()) {
        let meant = chat_word(typed, language).unwrap_or(typed);
        for word in meant.split(' ') {
            if !is_minor(word) && !word.bytes().all(|b| b.is_ascii_digit()) {
                out.push(word.to_string());
            }
        }
    }
    out.sort();
    out.dedup();
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::SourceFile;

    fn model(source: &str) -> Model {
        let sources = vec![SourceFile::from_bytes(
            "bot.charla",
            source.as_bytes().to_vec(),
        )];
        let compiled = crate::compile(&sources, &crate::Options::default());
        compiled.model.unwrap_or_else(|| {
            panic!("does not compile: {:?}", compiled.diagnostics);
        })
    }

    const BOT: &str = r#"
bot "Gym" {
  business fitness
  language pt-BR
  start home
}
audience member "Members"
menu home {
  say "Oi"
  option "Aulas" -> book_class
  option "Atendente" -> human
}
intent billing for member {
  examples "ciclo de cobrança", "quando sou cobrado", "valor da mensalidade"
  say "Cobrança"
}
intent book_class {
  examples "agendar aula", "reservar uma aula", "marcar treino"
  say "Aula"
}
intent cancel_class {
  examples "cancelar aula", "desmarcar aula"
  say "Cancelada"
}
intent human {
  examples "falar com atendente", "atendimento humano"
  handoff
}
intent twin {
  examples "atendente pessoa"
  handoff
}
"#;

    fn best(matcher: &Matcher, text: &str, audience: Option<&str>) -> Option<String> {
        matcher.best(text, audience).map(|m| m.intent)
    }

    #[test]
    fn case_accents_punctuation_and_spaces_are_ignored() {
        let m = Matcher::new(&model(BOT));
        let found = m.best("  CICLO   de Cobranca!!! ", Some("member")).unwrap();
        assert_eq!(found.intent, "billing");
        assert_eq!(found.score, 1.0);
        assert_eq!(
            best(&m, "valor da mensalidadé?", Some("member")).as_deref(),
            Some("billing")
        );
    }

    #[test]
    fn typos_plurals_and_verb_endings_are_tolerated() {
        let m = Matcher::new(&model(BOT));
        assert_eq!(
            best(&m, "agendra aula", None).as_deref(),
            Some("book_class")
        );
        assert_eq!(
            best(&m, "quero desmarcra a aula", None).as_deref(),
            Some("cancel_class")
        );
        assert_eq!(
            best(&m, "qnd eu sou cobrada", Some("member")).as_deref(),
            Some("billing")
        );
        assert_eq!(
            best(&m, "reservar aulas", None).as_deref(),
            Some("book_class")
        );
    }

    #[test]
    fn word_order_and_filler_words_matter_little() {
        let m = Matcher::new(&model(BOT));
        let a = m.best("aula agendar", None).unwrap();
        let b = m
            .best("eu quero agendar uma aula, por favor", None)
            .unwrap();
        assert_eq!(
            (a.intent.as_str(), b.intent.as_str()),
            ("book_class", "book_class")
        );
        assert_eq!(a.score, 1.0);
        assert!(b.score > 0.9, "{}", b.score);
    }

    #[test]
    fn only_intents_the_audience_may_reach() {
        let m = Matcher::new(&model(BOT));
        assert_eq!(
            best(&m, "quando sou cobrado", Some("member")).as_deref(),
            Some("billing")
        );
        assert_eq!(best(&m, "quando sou cobrado", None), None);
        assert_eq!(best(&m, "quando sou cobrado", Some("other")), None);
        // intents without `for` are for everyone
        assert_eq!(
            best(&m, "agendar aula", Some("member")).as_deref(),
            Some("book_class")
        );
        assert_eq!(
            best(&m, "agendar aula", None).as_deref(),
            Some("book_class")
        );
        assert!(m
            .scores("x", None)
            .iter()
            .all(|(name, _)| *name != "billing"));
    }

    #[test]
    fn below_the_threshold_there_is_no_match() {
        let m = Matcher::new(&model(BOT));
        for text in [
            "bom dia",
            "kkkkkk",
            "qual a previsão do tempo",
            "",
            "???",
            "👍",
            "12345",
        ] {
            assert_eq!(best(&m, text, Some("member")), None, "{text:?}");
        }
        // one shared word among many unknown ones is not enough
        assert_eq!(
            best(&m, "a aula de ontem foi ótima, parabéns à professora", None),
            None
        );
        for (_, score) in m.scores("falar com atendente amanhã cedo", None) {
            assert!((0.0..=1.0).contains(&score));
        }
    }

    #[test]
    fn deterministic_and_ties_go_to_the_first_declared() {
        let m = Matcher::new(&model(BOT));
        let again = Matcher::new(&model(BOT));
        for text in [
            "falar atendente",
            "aula",
            "cobranca",
            "atendente humano",
            "marcar aula",
        ] {
            let first = m.best(text, Some("member"));
            for _ in 0..5 {
                assert_eq!(m.best(text, Some("member")), first);
            }
            assert_eq!(again.best(text, Some("member")), first);
        }
        // "atendente" is half of "atendente humano" and half of "atendente pessoa"
        let found = m.best("atendente", None).unwrap();
        assert_eq!(found.intent, "human");
        let scores = m.scores("atendente", None);
        let human = scores.iter().find(|(n, _)| *n == "human").unwrap().1;
        let twin = scores.iter().find(|(n, _)| *n == "twin").unwrap().1;
        assert_eq!(human, twin);
    }
}
