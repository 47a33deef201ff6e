//! A post's comments: the approved ones for everyone, the reader's own pending ones marked
//! "awaiting approval", a form to write one, and "Delete" on one's own.

use leptos::html;
use leptos::prelude::*;

use crate::components::forms::{action_error, CsrfField, FormMessage, TextAreaField};
use crate::components::post_list::human_date;
use crate::components::user::{login_href, UserResource};
use crate::model::CommentView;
use crate::model::MAX_COMMENT_CHARS;
use crate::server_fns::comments::{list_comments, AddComment, DeleteComment};

/// The comments section of post `post_id`, whose page is at `path`.
#[component]
pub fn Comments(post_id: i64, path: String) -> impl IntoView {
    let user = expect_context::<UserResource>();
    let add = ServerAction::<AddComment>::new();
    let delete = ServerAction::<DeleteComment>::new();
    let comments = Resource::new(
        move || (add.version().get(), delete.version().get()),
        move |_| list_comments(post_id),
    );
    let add_error = action_error(add);
    let form = NodeRef::<html::Form>::new();
    Effect::new(move |_| {
        if matches!(add.value().get(), Some(Ok(_))) {
            if let Some(form) = form.get() {
                form.reset();
            }
        }
    });
    let login = format!("{}#comments", login_href(&path));
    view! {
        <section class="comments" id="comments" aria-labelledby="comments-heading">
            <h2 id="comments-heading">"Comments"</h2>
            <Transition fallback=|| view! { <p class="muted" role="status">"Loading comments…"</p> }>
                {move || Suspend::new(async move {
                    match comments.await {
                        Ok(list) if list.is_empty() => view! { <p class="muted">"No comments yet."</p> }.into_any(),
                        Ok(list) => view! {
                            <ol class="comment-list">
                                {crate::domain::thread::thread(list, |c| c.id, |c| c.parent_id)
                                    .into_iter()
                                    .map(|(c, depth)| view! { <CommentItem comment=c depth delete/> })
                                    .collect_view()}
                            </ol>
                        }
                        .into_any(),
                        Err(_) => view! { <p class="form-error">"Comments could not be loaded."</p> }.into_any(),
                    }
                })}
            </Transition>
            <Transition fallback=|| ()>
                {move || {
                    let login = login.clone();
                    Suspend::new(async move {
                        match user.await {
                            Ok(Some(_)) => view! {
                                <ActionForm action=add node_ref=form attr:class="comment-form">
                                    <CsrfField/>
                                    <input type="hidden" name="post_id" value=post_id.to_string()/>
                                    <FormMessage error=add_error/>
                                    <TextAreaField
                                        label="Your comment"
                                        name="body"
                                        error=add_error
                                        rows=4
                                        maxlength=MAX_COMMENT_CHARS
                                        required=true
                                        help="Plain text. Comments appear once a moderator approves them."
                                    />
                                    <button type="submit" disabled=move || add.pending().get()>"Post comment"</button>
                                </ActionForm>
                            }
                            .into_any(),
                            _ => view! {
                                <p class="comment-login"><a href=login>"Sign in"</a> " to comment."</p>
                            }
                            .into_any(),
                        }
                    })
                }}
            </Transition>
        </section>
    }
}

#[component]
fn CommentItem(
    comment: CommentView,
    depth: usize,
    delete: ServerAction<DeleteComment>,
) -> impl IntoView {
    let pending = !comment.is_approved;
    // Replies are indented by depth (classes, not inline styles: the CSP allows no style
    // attributes).
    let class = if depth == 0 {
        "comment".to_string()
    } else {
        format!("comment reply reply-{depth}")
    };
    view! {
        <li class=class class:pending=pending id=format!("comment-{}", comment.id)>
            <p class="comment-meta">
                <strong>{comment.author.display_name.clone()}</strong>
                " · "
                <time datetime=comment.created_at.to_rfc3339()>{human_date(comment.created_at)}</time>
                {pending.then(|| view! { " · " <span class="badge">"Awaiting approval"</span> })}
            </p>
            <p class="comment-body">{comment.body}</p>
            {comment.is_own.then(|| view! {
                <ActionForm action=delete attr:class="inline-form">
                    <CsrfField/>
                    <input type="hidden" name="id" value=comment.id.to_string()/>
                    <button type="submit" class="link-button">"Delete"</button>
                </ActionForm>
            })}
        </li>
    }
}
