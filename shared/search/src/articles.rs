//! A tenant's article index: one document per live translation of a
//! published article, found by the words of its title (weighted) and
//! body, within the locales, visibilities, category, section and tags a
//! query allows. An article found in several locales is returned once, in
//! the locale the query prefers.

use std::collections::HashMap;

use switchboard_domain::kb::locale::Locale;
use switchboard_domain::kb::ports::{ArticleDocument, ArticleHit, ArticleHits, ArticleQuery};
use switchboard_domain::kernel::error::StoreResult;
use switchboard_domain::kernel::ids::{ArticleId, TenantId};
use tantivy::collector::TopDocs;
use tantivy::query::{BooleanQuery, BoostQuery, FuzzyTermQuery, Occur, Query, TermQuery};
use tantivy::schema::{Field, IndexRecordOption, STORED, STRING, Schema, TEXT, Value};
use tantivy::snippet::SnippetGenerator;
use tantivy::{Index, IndexWriter, Searcher, TantivyDocument, Term};

use crate::local::TantivyIndexes;
use crate::remote::{SharedIndexes, searcher};
use crate::{Kind, engine};

/// The most documents a query ranks (an article per locale, at most):
/// each is read from the store to learn its article and locale.
const MAX_RANKED: usize = 300;

#[derive(Clone, Copy)]
pub struct ArticleFields {
    pub article: Field,
    pub locale: Field,
    pub title: Field,
    pub body: Field,
    pub tag: Field,
    pub category: Field,
    pub section: Field,
    pub visibility: Field,
}

pub fn build() -> (Schema, ArticleFields) {
    let mut b = Schema::builder();
    let fields = ArticleFields {
        article: b.add_text_field("article", STRING | STORED),
        locale: b.add_text_field("locale", STRING | STORED),
        title: b.add_text_field("title", TEXT | STORED),
        body: b.add_text_field("body", TEXT | STORED),
        tag: b.add_text_field("tag", STRING),
        category: b.add_text_field("category", STRING),
        section: b.add_text_field("section", STRING),
        visibility: b.add_text_field("visibility", STRING),
    };
    (b.build(), fields)
}

fn article_term(f: &ArticleFields, id: ArticleId) -> Term {
    Term::from_field_text(f.article, &id.to_string())
}

/// Removes every document of `articles`, then adds `documents`; the
/// caller commits.
pub fn replace(
    writer: &mut IndexWriter,
    articles: &[ArticleId],
    documents: &[ArticleDocument],
) -> StoreResult<()> {
    let (_, f) = build();
    for id in articles {
        writer.delete_term(article_term(&f, *id));
    }
    for d in documents {
        let mut doc = TantivyDocument::default();
        doc.add_text(f.article, d.article_id.to_string());
        doc.add_text(f.locale, d.locale.as_str());
        doc.add_text(f.title, &d.title);
        doc.add_text(f.body, &d.text);
        for tag in &d.tags {
            doc.add_text(f.tag, tag);
        }
        doc.add_text(f.category, d.category_id.to_string());
        doc.add_text(f.section, d.section_id.to_string());
        doc.add_text(f.visibility, d.visibility.as_str());
        writer.add_document(doc).map_err(engine)?;
    }
    Ok(())
}

fn words(index: &Index, field: Field, text: &str) -> StoreResult<Vec<String>> {
    let mut analyzer = index.tokenizer_for_field(field).map_err(engine)?;
    let mut stream = analyzer.token_stream(text);
    let mut words = Vec::new();
    while stream.advance() {
        let word = stream.token().text.clone();
        if !words.contains(&word) {
            words.push(word);
        }
    }
    Ok(words)
}

fn exact(field: Field, value: &str) -> Box<dyn Query> {
    Box::new(TermQuery::new(
        Term::from_field_text(field, value),
        IndexRecordOption::Basic,
    ))
}

fn any_of(field: Field, values: impl Iterator<Item = String>) -> Box<dyn Query> {
    Box::new(BooleanQuery::new(
        values.map(|v| (Occur::Should, exact(field, &v))).collect(),
    ))
}

/// The words part: each word in the title (weighted) or the body; the
/// last word of a search box also as the start of a word (typing).
fn text_query(
    index: &Index,
    f: &ArticleFields,
    q: &ArticleQuery,
) -> StoreResult<Option<BooleanQuery>> {
    let words = words(index, f.title, &q.text)?;
    let last = words.len().saturating_sub(1);
    let mut clauses: Vec<(Occur, Box<dyn Query>)> = Vec::new();
    for (i, word) in words.iter().enumerate() {
        let mut any: Vec<(Occur, Box<dyn Query>)> = Vec::new();
        for (field, boost) in [(f.title, 3.0), (f.body, 1.0)] {
            let term = Term::from_field_text(field, word);
            any.push((
                Occur::Should,
                Box::new(BoostQuery::new(
                    Box::new(TermQuery::new(term.clone(), IndexRecordOption::WithFreqs)),
                    boost,
                )),
            ));
            if q.all_words && i == last {
                any.push((
                    Occur::Should,
                    Box::new(BoostQuery::new(
                        Box::new(FuzzyTermQuery::new_prefix(term, 0, false)),
                        boost / 2.0,
                    )),
                ));
            }
        }
        let occur = if q.all_words {
            Occur::Must
        } else {
            Occur::Should
        };
        clauses.push((occur, Box::new(BooleanQuery::new(any))));
    }
    Ok((!clauses.is_empty()).then(|| BooleanQuery::new(clauses)))
}

pub fn search(index: &Index, searcher: &Searcher, q: &ArticleQuery) -> StoreResult<ArticleHits> {
    let (_, f) = build();
    let Some(text) = text_query(index, &f, q)? else {
        return Ok(ArticleHits::default());
    };
    let mut clauses: Vec<(Occur, Box<dyn Query>)> = vec![(Occur::Must, Box::new(text.clone()))];
    clauses.push((
        Occur::Must,
        any_of(f.locale, q.locales.iter().map(|l| l.as_str().to_owned())),
    ));
    clauses.push((
        Occur::Must,
        any_of(
            f.visibility,
            q.visibilities.iter().map(|v| v.as_str().to_owned()),
        ),
    ));
    if let Some(c) = q.category_id {
        clauses.push((Occur::Must, exact(f.category, &c.to_string())));
    }
    if let Some(s) = q.section_id {
        clauses.push((Occur::Must, exact(f.section, &s.to_string())));
    }
    for tag in &q.tags {
        clauses.push((Occur::Must, exact(f.tag, &tag.to_lowercase())));
    }
    let query = BooleanQuery::new(clauses);
    let ranked = searcher
        .search(&query, &TopDocs::with_limit(MAX_RANKED).order_by_score())
        .map_err(engine)?;

    // One hit per article: its best score, in its most preferred locale.
    let preference = |l: &str| q.locales.iter().position(|p| p.as_str() == l);
    let mut best: HashMap<ArticleId, (f32, usize, tantivy::DocAddress, Locale)> = HashMap::new();
    let mut order: Vec<ArticleId> = Vec::new();
    for (score, address) in ranked {
        let doc: TantivyDocument = searcher.doc(address).map_err(engine)?;
        let text_of = |field| {
            doc.get_first(field)
                .and_then(|v| v.as_str())
                .map(str::to_owned)
        };
        let (Some(id), Some(locale)) = (
            text_of(f.article).and_then(|s| s.parse::<ArticleId>().ok()),
            text_of(f.locale).and_then(|s| Locale::parse(&s).ok()),
        ) else {
            continue;
        };
        let rank = preference(locale.as_str()).unwrap_or(usize::MAX);
        match best.get_mut(&id) {
            None => {
                order.push(id);
                best.insert(id, (score, rank, address, locale));
            }
            Some(found) if rank < found.1 => {
                *found = (found.0.max(score), rank, address, locale);
            }
            Some(_) => {}
        }
    }
    let total = order.len();
    let titles = SnippetGenerator::create(searcher, &text, f.title).map_err(engine)?;
    let mut bodies = SnippetGenerator::create(searcher, &text, f.body).map_err(engine)?;
    bodies.set_max_num_chars(200);
    let mut hits = Vec::new();
    for id in order.into_iter().skip(q.offset).take(q.limit.max(1)) {
        let Some((score, _, address, locale)) = best.remove(&id) else {
            continue;
        };
        let doc: TantivyDocument = searcher.doc(address).map_err(engine)?;
        let highlight = |g: &SnippetGenerator, field: Field| {
            let mut s = g.snippet_from_doc(&doc);
            s.set_snippet_prefix_postfix("<em>", "</em>");
            let html = s.to_html();
            if html.is_empty() {
                // No match in this field: its start, escaped.
                let plain: String = doc
                    .get_first(field)
                    .and_then(|v| v.as_str())
                    .unwrap_or_default()
                    .chars()
                    .take(200)
                    .collect();
                escape(&plain)
            } else {
                html
            }
        };
        hits.push(ArticleHit {
            article_id: id,
            locale,
            score,
            title: highlight(&titles, f.title),
            snippet: highlight(&bodies, f.body),
        });
    }
    Ok(ArticleHits { hits, total })
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&#39;")
}

impl switchboard_domain::kb::ports::ArticleIndex for TantivyIndexes {
    async fn replace_articles(
        &self,
        tenant: TenantId,
        articles: &[ArticleId],
        documents: &[ArticleDocument],
    ) -> StoreResult<()> {
        let t = self.tenant(Kind::Articles, tenant)?;
        t.write(|writer| replace(writer, articles, documents))
    }

    async fn clear_articles(&self, tenant: TenantId) -> StoreResult<()> {
        self.tenant(Kind::Articles, tenant)?.clear()
    }

    async fn search_articles(
        &self,
        tenant: TenantId,
        query: &ArticleQuery,
    ) -> StoreResult<ArticleHits> {
        let t = self.tenant(Kind::Articles, tenant)?;
        search(&t.index, &t.reader.searcher(), query)
    }
}

impl switchboard_domain::kb::ports::ArticleIndex for SharedIndexes {
    async fn replace_articles(
        &self,
        tenant: TenantId,
        articles: &[ArticleId],
        documents: &[ArticleDocument],
    ) -> StoreResult<()> {
        self.write(Kind::Articles, tenant, |writer, _| {
            replace(writer, articles, documents)
        })
        .await
    }

    async fn clear_articles(&self, tenant: TenantId) -> StoreResult<()> {
        self.clear_index(Kind::Articles, tenant).await
    }

    async fn search_articles(
        &self,
        tenant: TenantId,
        query: &ArticleQuery,
    ) -> StoreResult<ArticleHits> {
        let Some(opened) = self.open(Kind::Articles, tenant).await? else {
            return Ok(ArticleHits::default());
        };
        search(&opened.index, &searcher(&opened.index)?, query)
    }
}
