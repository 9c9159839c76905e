//! CSV import of reference data (labels, sources, locations): a strict
//! parser (the file's checks of [`super::csv_import`], then each field
//! validated; a name in Arabic and one in English, or the one `title` of
//! files made before names were bilingual), then the import's job, which
//! inserts the good rows in batches, refusing a name already taken.
//! Started by an administrator with step-up.

use std::sync::Arc;

use serde_json::json;

use super::bilingual::{stored_name, Both, Lang};
use super::csv_import::{self, rows, text, Import, NewJob, Progress, Upload};
use crate::error::{CoreError, Problem};
use crate::policy::{ImportReference, Permit};
use crate::pool::Database;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Labels,
    Sources,
    Locations,
}

impl Kind {
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "labels" => Some(Self::Labels),
            "sources" => Some(Self::Sources),
            "locations" => Some(Self::Locations),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Labels => "labels",
            Self::Sources => "sources",
            Self::Locations => "locations",
        }
    }

    /// The header line the file must start with: a name in each language
    /// (either cell may be empty, not both), then the kind's details.
    pub fn columns(self) -> &'static [&'static str] {
        match self {
            Self::Labels => &["title_ar", "title_en", "description"],
            Self::Sources => &["title_ar", "title_en", "url"],
            Self::Locations => &[
                "title_ar",
                "title_en",
                "latitude",
                "longitude",
                "country_code",
            ],
        }
    }

    /// The header of files made before names were bilingual, still
    /// accepted: one `title`, in the language its script says.
    pub fn legacy_columns(self) -> &'static [&'static str] {
        match self {
            Self::Labels => &["title", "description"],
            Self::Sources => &["title", "url"],
            Self::Locations => &["title", "latitude", "longitude", "country_code"],
        }
    }
}

/// A row's name as it is stored (migration 0033): the main name, its
/// language and the other language's name ('' when there is none).
#[derive(Debug, Clone, PartialEq)]
pub struct Name {
    pub title: String,
    pub lang: Lang,
    pub title_alt: String,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Record {
    Label {
        title: Name,
        description: String,
    },
    Source {
        title: Name,
        url: String,
    },
    Location {
        title: Name,
        latitude: f64,
        longitude: f64,
        country: String,
    },
}

impl Record {
    /// The main name.
    fn title(&self) -> &str {
        self.name().title.as_str()
    }

    pub fn name(&self) -> &Name {
        match self {
            Self::Label { title, .. }
            | Self::Source { title, .. }
            | Self::Location { title, .. } => title,
        }
    }
}

fn number(cell: &str, what: &str, range: std::ops::RangeInclusive<f64>) -> Result<f64, Problem> {
    let v: f64 = cell.trim().parse().map_err(|_| {
        Problem::new("import-cell-not-a-number")
            .with("column", what.to_owned())
            .with("value", format!("{:?}", cell.trim()))
    })?;
    if !v.is_finite() || !range.contains(&v) {
        // As Rust writes them ("-90", "91.5"), not as numbers to format.
        return Err(Problem::new("import-cell-out-of-range")
            .with("column", what.to_owned())
            .with("value", v.to_string())
            .with("min", range.start().to_string())
            .with("max", range.end().to_string()));
    }
    Ok(v)
}

/// A number as written in Arabic too: Arabic-Indic (٣٦٫٢) or Eastern
/// Arabic-Indic digits (۳۶٫۲), the Arabic decimal separator, the Arabic
/// minus sign's look-alikes; anything else is left for the parser to
/// refuse.
fn western_digits(cell: &str) -> String {
    cell.chars()
        .map(|c| match c {
            '\u{0660}'..='\u{0669}' => char::from(b'0' + (c as u32 - 0x0660) as u8),
            '\u{06F0}'..='\u{06F9}' => char::from(b'0' + (c as u32 - 0x06F0) as u8),
            '\u{066B}' => '.',
            '\u{2212}' => '-',
            other => other,
        })
        .collect()
}

/// The row's name from its cells: `title_ar` and `title_en` (`bilingual`),
/// else the one `title`. The remaining cells start at the returned index.
fn name<'c>(cells: &dyn Fn(usize) -> &'c str, bilingual: bool) -> Result<(Name, usize), Problem> {
    let names = if bilingual {
        Both {
            arabic: text(cells(0), "title_ar", 200, false)?,
            english: text(cells(1), "title_en", 200, false)?,
        }
    } else {
        let title = text(cells(0), "title", 200, true)?;
        match Lang::of_script(&title) {
            Lang::Arabic => Both {
                arabic: title,
                english: String::new(),
            },
            Lang::English => Both {
                arabic: String::new(),
                english: title,
            },
        }
    };
    let (lang, title, alt) = stored_name(names.map(String::as_str))
        .ok_or_else(|| Problem::new("import-cell-empty").with("column", "title_ar, title_en"))?;
    let name = Name {
        title: title.to_owned(),
        lang,
        title_alt: alt.to_owned(),
    };
    Ok((name, if bilingual { 2 } else { 1 }))
}

fn record(kind: Kind, cells: &csv::StringRecord, bilingual: bool) -> Result<Record, Problem> {
    let cell = |i: usize| cells.get(i).unwrap_or("");
    let (title, at) = name(&cell, bilingual)?;
    let c = |i: usize| cell(at + i - 1);
    Ok(match kind {
        Kind::Labels => Record::Label {
            title,
            description: text(c(1), "description", 2000, false)?,
        },
        Kind::Sources => {
            let url = text(c(1), "url", 2000, false)?;
            if !(url.is_empty() || url.starts_with("https://") || url.starts_with("http://")) {
                return Err(Problem::new("import-url-scheme"));
            }
            Record::Source { title, url }
        }
        Kind::Locations => {
            let country = c(3).trim().to_owned();
            if !(country.is_empty()
                || (country.len() == 2 && country.bytes().all(|b| b.is_ascii_uppercase())))
            {
                return Err(
                    Problem::new("import-country-code").with("value", format!("{country:?}"))
                );
            }
            Record::Location {
                title,
                latitude: number(&western_digits(c(1)), "latitude", -90.0..=90.0)?,
                longitude: number(&western_digits(c(2)), "longitude", -180.0..=180.0)?,
                country,
            }
        }
    })
}

/// Checks the whole file. `Err` is a problem with the file itself (its
/// size, encoding, header or length); row problems are in `rejected`.
pub fn parse(kind: Kind, bytes: &[u8]) -> Result<Parsed, Problem> {
    // The bilingual header first (the one a refusal names), then the one
    // files made before reference data had two names use.
    rows(
        &[kind.columns(), kind.legacy_columns()],
        bytes,
        |r, header| record(kind, r, header == 0),
    )
}

pub type Parsed = csv_import::Parsed<Record>;

/// Records the job and starts it in the background; returns its id.
pub async fn start(
    db: Arc<Database>,
    permit: &Permit<ImportReference>,
    upload: Upload<'_>,
    kind: Kind,
    parsed: Parsed,
) -> Result<i64, CoreError> {
    let user_id = permit.actor().user_id;
    let job = NewJob {
        kind: kind.as_str(),
        user_id,
        upload,
        started: json!({}),
        outcome: json!({}),
    };
    csv_import::start(db, InsertReference { user_id }, job, parsed).await
}

/// Reference data's rows, each inserted unless its name is taken already;
/// a batch is one transaction, its progress included.
struct InsertReference {
    /// Who the rows are created by.
    user_id: i64,
}

impl Import for InsertReference {
    type Row = Record;
    const BATCH: usize = 200;

    async fn add(
        &self,
        db: &Database,
        rows: &[(usize, Record)],
        progress: &mut Progress,
    ) -> Result<(), CoreError> {
        let user_id = self.user_id;
        let mut c = db.client().await?;
        let tx = c.transaction().await?;
        let mut refused = Vec::new();
        for (line, rec) in rows {
            let Name {
                title,
                lang,
                title_alt,
            } = rec.name();
            let lang = lang.as_str();
            let n = match rec {
                Record::Label { description, .. } => {
                    tx.execute(
                        "INSERT INTO label (title, title_lang, title_alt, description, created_by) VALUES ($1, $2, $3, $4, $5) \
                         ON CONFLICT ((lower(title))) DO NOTHING",
                        &[title, &lang, title_alt, description, &user_id],
                    )
                    .await?
                }
                Record::Source { url, .. } => {
                    tx.execute(
                        "INSERT INTO source (title, title_lang, title_alt, url, created_by) VALUES ($1, $2, $3, $4, $5) \
                         ON CONFLICT ((lower(title))) DO NOTHING",
                        &[title, &lang, title_alt, url, &user_id],
                    )
                    .await?
                }
                Record::Location { latitude, longitude, country, .. } => {
                    tx.execute(
                        "INSERT INTO location (title, title_lang, title_alt, latitude, longitude, country_code, created_by) \
                         VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT ((lower(title))) DO NOTHING",
                        &[title, &lang, title_alt, latitude, longitude, country, &user_id],
                    )
                    .await?
                }
            };
            if n != 1 {
                let title = format!("{:?}", rec.title());
                refused.push((
                    *line,
                    Problem::new("import-row-exists").with("title", title),
                ));
            }
        }
        progress.record(&*tx, rows.len(), &refused).await?;
        tx.commit().await?;
        Ok(())
    }
}

/// Every key a refused row may be stored with, besides those of bulletins
/// ([`csv_import::reason_of`] finds the static key again).
pub(crate) const ROW_KEYS: &[&str] = &[
    "import-cell-formula",
    "import-cell-control",
    "import-cell-empty",
    "import-cell-too-long",
    "import-cell-not-a-number",
    "import-cell-out-of-range",
    "import-url-scheme",
    "import-country-code",
    "import-row-unreadable",
    "import-row-fields",
    "import-row-exists",
];

/// Names (in the columns of [`Kind::columns`]: Arabic, English) and
/// details of one kind of reference data, for the list page.
pub async fn list(db: &Database, kind: Kind) -> Result<Vec<Vec<String>>, CoreError> {
    let c = db.client().await?;
    let pg: &tokio_postgres::Client = &c;
    let names = "CASE WHEN title_lang = 'ar' THEN title ELSE title_alt END, \
                 CASE WHEN title_lang = 'ar' THEN title_alt ELSE title END";
    let sql = match kind {
        Kind::Labels => {
            format!("SELECT {names}, description FROM label ORDER BY lower(title) LIMIT 1000")
        }
        Kind::Sources => format!("SELECT {names}, url FROM source ORDER BY lower(title) LIMIT 1000"),
        Kind::Locations => format!(
            "SELECT {names}, coalesce(latitude::text, ''), coalesce(longitude::text, ''), country_code \
             FROM location ORDER BY lower(title) LIMIT 1000"
        ),
    };
    let sql = sql.as_str();
    Ok(pg
        .query(sql, &[])
        .await?
        .iter()
        .map(|r| (0..r.len()).map(|i| r.get::<_, String>(i)).collect())
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::Arg;
    use crate::evidence::csv_import::{reason_json, reason_of, MAX_BYTES};

    #[test]
    fn rows_are_validated_one_by_one_and_reported_by_line() {
        let file = "title,latitude,longitude,country_code\n\
                    Aleppo,36.2,37.15,SY\n\
                    =HYPERLINK(\"x\"),1,1,SY\n\
                    Nowhere,91,0,\n\
                    Homs,34.7,36.7,sy\n\
                    Short,1\n\
                    Idlib,35.9,36.6,\n";
        let p = parse(Kind::Locations, file.as_bytes()).expect("parsed");
        let titles: Vec<&str> = p.rows.iter().map(|(_, r)| r.title()).collect();
        assert_eq!(titles, ["Aleppo", "Idlib"]);
        let lines: Vec<usize> = p.rejected.iter().map(|(l, _)| *l).collect();
        assert_eq!(lines, [3, 4, 5, 6]);
        let keys: Vec<&str> = p.rejected.iter().map(|(_, why)| why.key).collect();
        assert_eq!(
            keys,
            [
                "import-cell-formula",
                "import-cell-out-of-range",
                "import-country-code",
                "import-row-fields"
            ]
        );
        let why = &p.rejected[1].1;
        assert_eq!(why.arg("min"), Some(&Arg::Text("-90".into())));
        assert_eq!(why.arg("max"), Some(&Arg::Text("90".into())));
        assert_eq!(why.arg("value"), Some(&Arg::Text("91".into())));
        let why = &p.rejected[3].1;
        assert_eq!(why.arg("count"), Some(&Arg::Number(2)));
        assert_eq!(why.arg("expected"), Some(&Arg::Number(4)));
        // As the job keeps them, and as it reads them back.
        let sorted = |mut p: Problem| {
            p.args.sort_by_key(|(name, _)| *name);
            p
        };
        for (line, why) in &p.rejected {
            let stored = reason_json(*line, why);
            assert_eq!(sorted(reason_of(&stored)), sorted(why.clone()));
        }
        let old = json!({"line": 3, "reason": "title is empty"});
        assert_eq!(
            reason_of(&old),
            Problem::new("import-row-stored").with("reason", "title is empty")
        );
    }

    #[test]
    fn both_names_and_arabic_are_read_and_the_old_header_still_is() {
        let file = "\u{feff}title_ar,title_en,latitude,longitude,country_code\n\
                    حلب,Aleppo,٣٦٫٢,37.15,SY\n\
                    ,Idlib,35.9,36.6,\n\
                    \"مستشفى الأمل، حمص\",,34.7,36.7,SY\n\
                    ,,1,1,\n";
        let p = parse(Kind::Locations, file.as_bytes()).expect("parsed");
        let names: Vec<(&str, Lang, &str)> = p
            .rows
            .iter()
            .map(|(_, r)| {
                let n = r.name();
                (n.title.as_str(), n.lang, n.title_alt.as_str())
            })
            .collect();
        assert_eq!(
            names,
            [
                ("حلب", Lang::Arabic, "Aleppo"),
                ("Idlib", Lang::English, ""),
                ("مستشفى الأمل، حمص", Lang::Arabic, ""),
            ]
        );
        assert!(matches!(
            p.rows[0].1,
            Record::Location { latitude, .. } if (latitude - 36.2).abs() < 1e-9
        ));
        assert_eq!(p.rejected.len(), 1);
        assert_eq!(p.rejected[0].0, 5);
        assert_eq!(p.rejected[0].1.key, "import-cell-empty");
        // A file with the one `title`: its language from its script.
        let old = parse(
            Kind::Labels,
            "title,description\nقصف,x\nShelling,\n".as_bytes(),
        )
        .expect("old header");
        let langs: Vec<Lang> = old.rows.iter().map(|(_, r)| r.name().lang).collect();
        assert_eq!(langs, [Lang::Arabic, Lang::English]);
        assert!(old.rows.iter().all(|(_, r)| r.name().title_alt.is_empty()));
        // Three cells where the bilingual header has three: a short row.
        let short = parse(Kind::Sources, b"title_ar,title_en,url\nA,https://a\n").expect("parsed");
        assert_eq!(short.rejected[0].1.key, "import-row-fields");
    }

    #[test]
    fn the_file_itself_is_checked() {
        let header = parse(Kind::Labels, b"name,notes\nx,y\n").unwrap_err();
        assert_eq!(header.key, "import-header-mismatch");
        assert_eq!(
            header.arg("expected"),
            Some(&Arg::Text("title_ar,title_en,description".into()))
        );
        assert_eq!(
            parse(Kind::Labels, b"title,description\n\xff\xfe\n")
                .unwrap_err()
                .key,
            "import-file-not-utf8"
        );
        let big = vec![b'a'; MAX_BYTES + 1];
        assert_eq!(
            parse(Kind::Labels, &big).unwrap_err().key,
            "import-file-too-large"
        );
        let p = parse(
            Kind::Sources,
            "\u{feff}title,url\nA,https://a.example\nB,ftp://b\n".as_bytes(),
        )
        .expect("bom");
        assert_eq!(p.rows.len(), 1);
        assert_eq!(p.rejected[0].1.key, "import-url-scheme");
    }
}
