//! `/exports`: the exports one may see, the decisions one may take, and
//! the form that asks for one.

use custodian_core::evidence::exports::Listed;
use custodian_core::policy::workflow::Status;
use maud::{html, Markup};

use super::evidence::{person, status_key};
use super::layout::{csrf_field, layout, when, Area, Page, Viewer};
use crate::i18n::t;

pub(crate) struct ExportsView<'a> {
    pub rows: &'a [Listed],
    pub csrf: &'a str,
    /// The viewer's account id (their own requests are downloaded, the
    /// others' decided).
    pub me: i64,
    pub can_request: bool,
    pub can_decide: bool,
    pub has_store: bool,
}

/// An export's stored status ("requested") as the reader's word.
fn status_word(stored: &str) -> String {
    let key = match stored {
        "requested" => "export-status-requested",
        "approved" => "export-status-approved",
        "rejected" => "export-status-rejected",
        "downloaded" => "export-status-downloaded",
        "expired" => "export-status-expired",
        other => return other.to_owned(),
    };
    t(key)
}

pub(crate) fn page(v: &Viewer, e: &ExportsView<'_>) -> Markup {
    let csrf = e.csrf;
    let title = t("nav-exports");
    layout(
        &Page::signed(&title, v, Area::Exports).csrf(csrf).wide(),
        html! {
            section.card {
                h1 { (title) }
                // On a phone each request is a block of labelled lines.
                div.table {
                    table.stack {
                        thead { tr { th { "#" } th { (t("exports-asked-by")) } th { (t("exports-format")) } th { (t("exports-items")) } th { (t("exports-why")) } th { (t("records-status")) } th { (t("exports-asked")) } th { (t("exports-expires")) } th {} } }
                        tbody {
                            @for r in e.rows {
                                tr {
                                    td data-label="#" { span { (r.id) } }
                                    td data-label=(t("exports-asked-by")) { bdi { (person(&r.requester)) } }
                                    td data-label=(t("exports-format")) { span dir="ltr" { (r.format) } }
                                    td data-label=(t("exports-items")) { span { (r.items) } }
                                    td data-label=(t("exports-why")) { bdi { (r.reason) } }
                                    td data-label=(t("records-status")) { span { (status_word(&r.status)) } }
                                    td data-label=(t("exports-asked")) { span { (when(r.created)) } }
                                    td data-label=(t("exports-expires")) { @if let Some(at) = r.expires { span { (when(at)) } } }
                                    td.whole {
                                        @if r.status == "requested" && e.can_decide && r.requested_by != e.me {
                                            @for (decision, label) in [("approve", "exports-approve"), ("reject", "exports-reject")] {
                                                form.inline method="post" action="/exports/decide" {
                                                    (csrf_field(csrf))
                                                    input type="hidden" name="id" value=(r.id);
                                                    input type="hidden" name="decision" value=(decision);
                                                    button.small type="submit" { (t(label)) }
                                                }
                                            }
                                        }
                                        @if r.status == "approved" && r.requested_by == e.me {
                                            a.button href={"/exports/download?id=" (r.id)} { (t("exports-download")) }
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
                @if e.can_request && !e.has_store {
                    h2 { (t("exports-ask")) }
                    p.notice role="status" { (super::no_media_store()) }
                } @else if e.can_request {
                    h2 { (t("exports-ask")) }
                    p.muted { (t("exports-hint")) }
                    form.narrow method="post" action="/exports" {
                        (csrf_field(csrf))
                        label for="format" { (t("exports-format")) }
                        select #format name="format" { option value="csv" dir="ltr" { "CSV" } option value="json" dir="ltr" { "JSON" } }
                        label for="q" { (t("exports-matching")) }
                        input #q name="q" maxlength="200" dir="auto";
                        label for="status" { (t("records-status")) }
                        select #status name="status" {
                            option value="" { (t("records-any-status")) }
                            @for s in Status::ALL { option value=(s.as_str()) { (t(status_key(s))) } }
                        }
                        label for="reason" { (t("exports-why-needed")) }
                        input #reason name="reason" required maxlength="500" dir="auto";
                        button type="submit" { (t("exports-ask-button")) }
                    }
                }
            }
        },
    )
}
