//! `/my`: an organization user's own organization, invitations,
//! applications and bids.

use super::*;

// ---------- my portal ----------

#[derive(Debug, Serialize)]
pub(super) struct AppRow {
    id: Uuid,
    kind: String,
    status: String,
    name: String,
    updated_at: String,
}

#[derive(Debug, Serialize)]
pub(super) struct InvitationRow {
    pub(super) id: Uuid,
    pub(super) organization: String,
    pub(super) email: String,
}

#[derive(Debug, Serialize)]
pub(super) struct MyPage {
    org: Option<MyOrg>,
    is_admin: bool,
    invitations: Vec<InvitationRow>,
    applications: Vec<AppRow>,
    bids: Vec<BidRow>,
    errors: Vec<ShownError>,
}

#[derive(Debug, Serialize)]
pub(super) struct BidRow {
    project_id: Uuid,
    project: String,
    status: String,
    price: String,
    at: String,
    content_hash: String,
}

#[derive(Debug, Serialize)]
pub(super) struct MyOrg {
    id: Uuid,
    name: String,
    uscc: String,
    status: String,
    active: bool,
}

pub(super) fn app_rows(state: &AppState, list: Vec<Application>) -> Vec<AppRow> {
    list.into_iter()
        .map(|a| AppRow {
            id: a.row.id,
            kind: a.row.kind,
            status: a.row.status.as_str().into(),
            name: a.row.name,
            updated_at: crate::web::local_time(state, a.row.updated_at),
        })
        .collect()
}

pub(super) async fn invitation_rows(
    state: &AppState,
    list: Vec<entity::invitations::Model>,
) -> Result<Vec<InvitationRow>> {
    let names = orgs::names_of(state.db.conn(), list.iter().map(|i| i.organization_id)).await?;
    Ok(list
        .into_iter()
        .map(|i| InvitationRow {
            id: i.id,
            organization: names.get(&i.organization_id).cloned().unwrap_or_default(),
            email: i.email,
        })
        .collect())
}

#[handler]
pub(in crate::web) async fn my(state: Data<&AppState>, viewer: Viewer) -> Response {
    let r = my_page(&state, &viewer, vec![]).await;
    or_fail(&state, &viewer, r)
}

pub(super) async fn my_page(
    state: &AppState,
    viewer: &Viewer,
    errors: Vec<ShownError>,
) -> Result<Response> {
    {
        let actor = policy::check(viewer.actor.as_ref(), Action::Apply)?;
        let org = match actor.organization_id {
            Some(id) => {
                let o = orgs::get(state.db.conn(), id).await?;
                Some(MyOrg {
                    id,
                    active: o.status == orgs::Status::Active,
                    name: o.name,
                    uscc: o.uscc.unwrap_or_default(),
                    status: o.status.as_str().into(),
                })
            }
            None => None,
        };
        let invitations =
            invitation_rows(state, members::my_invitations(&state.db, actor).await?).await?;
        let (list, _) = apps::list(
            &state.db,
            actor,
            &ListFilter::default(),
            &PageRequest::parse(Some(100), None)?,
        )
        .await?;
        let mut bid_rows = Vec::new();
        if actor.organization_id.is_some() {
            // The newest 100, like the applications above.
            let (bids, _) = crate::procurement::bids::mine(
                &state.db,
                actor,
                &PageRequest::parse(Some(100), None)?,
            )
            .await?;
            let projects = crate::procurement::projects::numbers_and_titles(
                &state.db,
                bids.iter().map(|b| b.project_id),
            )
            .await?;
            for b in bids {
                let (number, title) = projects.get(&b.project_id).cloned().unwrap_or_default();
                bid_rows.push(BidRow {
                    project_id: b.project_id,
                    project: format!("{number} {title}"),
                    status: b.status.as_str().into(),
                    price: yuan(b.price_fen),
                    at: crate::web::local_time(state, b.ended_at.unwrap_or(b.submitted_at)),
                    content_hash: b.content_hash,
                });
            }
        }
        let page = MyPage {
            bids: bid_rows,
            org,
            is_admin: policy::is_org_admin(Some(actor)),
            invitations,
            applications: app_rows(state, list),
            errors,
        };
        Ok(render_status(
            state,
            viewer,
            status_for(&page.errors),
            "pages/portal/my",
            "my-title",
            page,
        ))
    }
}
