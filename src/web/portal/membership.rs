//! `/my/organization`: members and invitations.

use super::*;

// ---------- members ----------

#[derive(Debug, Serialize)]
pub(super) struct MemberRow {
    id: Uuid,
    display_name: String,
    email: String,
    role: String,
    is_self: bool,
}

#[derive(Debug, Serialize)]
pub(super) struct MembersPage {
    org_id: Uuid,
    org_name: String,
    is_admin: bool,
    members: Vec<MemberRow>,
    invitations: Vec<InvitationRow>,
    email: String,
    errors: Vec<ShownError>,
}

pub(super) async fn members_page(
    state: &AppState,
    viewer: &Viewer,
    email: String,
    errors: Vec<ShownError>,
) -> Result<Response> {
    let actor = policy::check(viewer.actor.as_ref(), Action::Apply)?;
    let org_id = actor
        .organization_id
        .ok_or(Error::NotFound("organization"))?;
    let org = orgs::get(state.db.conn(), org_id).await?;
    let (users, pending) = members::members_of(&state.db, actor, org_id).await?;
    let page = MembersPage {
        org_id,
        org_name: org.name.clone(),
        is_admin: policy::org_admin_of(actor, org_id).is_ok(),
        members: users
            .into_iter()
            .map(|u| MemberRow {
                is_self: u.id == actor.user_id,
                id: u.id,
                display_name: u.display_name,
                email: u.email,
                role: u.role,
            })
            .collect(),
        invitations: pending
            .into_iter()
            .map(|i| InvitationRow {
                id: i.id,
                organization: org.name.clone(),
                email: i.email,
            })
            .collect(),
        email,
        errors,
    };
    Ok(render_status(
        state,
        viewer,
        status_for(&page.errors),
        "pages/portal/members",
        "members-title",
        page,
    ))
}

#[handler]
pub(in crate::web) async fn my_organization(state: Data<&AppState>, viewer: Viewer) -> Response {
    let r = members_page(&state, &viewer, String::new(), vec![]).await;
    or_fail(&state, &viewer, r)
}

#[derive(Debug, Deserialize)]
pub(in crate::web) struct InviteForm {
    csrf_token: String,
    email: String,
}

#[handler]
pub(in crate::web) async fn invite(
    state: Data<&AppState>,
    viewer: Viewer,
    Form(form): Form<InviteForm>,
) -> Response {
    let action = async {
        let actor = viewer.actor()?;
        let org = members::organization_of(actor)?;
        members::invite(&state.db, actor, org, &form.email, state.clock.now()).await?;
        Ok(())
    };
    act(
        &state,
        &viewer,
        &form.csrf_token,
        action,
        "/my/organization".into(),
        async |e| members_page(&state, &viewer, form.email.clone(), e).await,
    )
    .await
}

#[handler]
pub(in crate::web) async fn remove_member(
    state: Data<&AppState>,
    viewer: Viewer,
    Path(user): Path<Uuid>,
    Form(form): Form<CsrfForm>,
) -> Response {
    let action = async {
        let actor = viewer.actor()?;
        let org = members::organization_of(actor)?;
        members::remove(&state.db, actor, org, user, state.clock.now()).await?;
        Ok(())
    };
    act(
        &state,
        &viewer,
        &form.csrf_token,
        action,
        "/my/organization".into(),
        async |e| members_page(&state, &viewer, String::new(), e).await,
    )
    .await
}

/// The invitee accepts an invitation.
#[handler]
pub(in crate::web) async fn accept_invitation(
    state: Data<&AppState>,
    viewer: Viewer,
    Path(id): Path<Uuid>,
    Form(form): Form<CsrfForm>,
) -> Response {
    answer_invitation(&state, &viewer, id, Answer::Accept, &form).await
}

/// The invitee declines an invitation.
#[handler]
pub(in crate::web) async fn decline_invitation(
    state: Data<&AppState>,
    viewer: Viewer,
    Path(id): Path<Uuid>,
    Form(form): Form<CsrfForm>,
) -> Response {
    answer_invitation(&state, &viewer, id, Answer::Decline, &form).await
}

/// The org admin takes an invitation back.
#[handler]
pub(in crate::web) async fn revoke_invitation(
    state: Data<&AppState>,
    viewer: Viewer,
    Path(id): Path<Uuid>,
    Form(form): Form<CsrfForm>,
) -> Response {
    answer_invitation(&state, &viewer, id, Answer::Revoke, &form).await
}

async fn answer_invitation(
    state: &AppState,
    viewer: &Viewer,
    id: Uuid,
    answer: Answer,
    form: &CsrfForm,
) -> Response {
    let to = match answer {
        Answer::Accept | Answer::Decline => "/my",
        Answer::Revoke => "/my/organization",
    };
    let action = async {
        members::answer(&state.db, viewer.actor()?, id, answer, state.clock.now()).await?;
        Ok(())
    };
    act(
        state,
        viewer,
        &form.csrf_token,
        action,
        to.into(),
        async |e| {
            if answer == Answer::Revoke {
                members_page(state, viewer, String::new(), e).await
            } else {
                my_page(state, viewer, e).await
            }
        },
    )
    .await
}
