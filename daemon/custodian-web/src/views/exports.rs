//! `/exports`: the exports one may see, the decisions one may take, and
//! the form that asks for one.

use custodian_core::evidence::exports::Listed;
use custodian_core::policy::workflow::Status;
use maud::{html, Markup};

use super::layout::{csrf_field, layout, Area, Page, Viewer};

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

pub(crate) fn page(v: &Viewer, e: &ExportsView<'_>) -> Markup {
    let csrf = e.csrf;
    layout(
        &Page::signed("Exports", v, Area::Exports).csrf(csrf).wide(),
        html! {
            section.card {
                h1 { "Exports" }
                div.table {
                    table {
                        thead { tr { th { "#" } th { "Asked by" } th { "Format" } th { "Items" } th { "Why" } th { "Status" } th { "Asked" } th { "Expires" } th {} } }
                        tbody {
                            @for r in e.rows {
                                tr {
                                    td { (r.id) } td { (r.requester) } td { (r.format) } td { (r.items) }
                                    td { (r.reason) } td { (r.status) } td { (r.created) } td { (r.expires) }
                                    td {
                                        @if r.status == "requested" && e.can_decide && r.requested_by != e.me {
                                            @for (decision, label) in [("approve", "Approve"), ("reject", "Reject")] {
                                                form.inline method="post" action="/exports/decide" {
                                                    (csrf_field(csrf))
                                                    input type="hidden" name="id" value=(r.id);
                                                    input type="hidden" name="decision" value=(decision);
                                                    button.small type="submit" { (label) }
                                                }
                                            }
                                        }
                                        @if r.status == "approved" && r.requested_by == e.me {
                                            a.button href={"/exports/download?id=" (r.id)} { "Download (once)" }
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
                @if e.can_request && !e.has_store {
                    h2 { "Ask for an export" }
                    p.notice role="status" { (super::no_media_store()) }
                } @else if e.can_request {
                    h2 { "Ask for an export" }
                    p.muted { "The file is made now from what you may see, and released \
        when another administrator approves it. You can download it once." }
                    form.narrow method="post" action="/exports" {
                        (csrf_field(csrf))
                        label for="format" { "Format" }
                        select #format name="format" { option value="csv" { "CSV" } option value="json" { "JSON" } }
                        label for="q" { "Bulletins matching" }
                        input #q name="q" maxlength="200";
                        label for="status" { "Status" }
                        select #status name="status" {
                            option value="" { "Any status" }
                            @for s in Status::ALL { option value=(s.as_str()) { (s.label()) } }
                        }
                        label for="reason" { "Why is it needed?" }
                        input #reason name="reason" required maxlength="500";
                        button type="submit" { "Ask for the export" }
                    }
                }
            }
        },
    )
}
