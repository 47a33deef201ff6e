//! Comment threads: the order and depth a list of comments is shown in, each reply under the
//! comment it answers (as WordPress shows threaded comments).

/// The deepest indentation shown; deeper replies are shown at this depth (WordPress's default
/// `thread_comments_depth` is 5 levels, the top one included).
pub const MAX_DEPTH: usize = 4;

/// Orders `items` (oldest first, as stored) into threads: each top-level item followed by its
/// replies, depth first, replies oldest first. `id` and `parent` read an item's id and the id of
/// the item it answers. A reply whose parent is not in the list (deleted, or not visible to the
/// viewer) is shown as a top-level item; a cycle cannot hide items. Returns each item with its
/// depth (0 for top level, at most [`MAX_DEPTH`]).
pub fn thread<T>(
    items: Vec<T>,
    id: impl Fn(&T) -> i64,
    parent: impl Fn(&T) -> Option<i64>,
) -> Vec<(T, usize)> {
    use std::collections::{HashMap, HashSet};
    let ids: HashSet<i64> = items.iter().map(&id).collect();
    let mut children: HashMap<i64, Vec<usize>> = HashMap::new();
    let mut roots = Vec::new();
    for (index, item) in items.iter().enumerate() {
        match parent(item).filter(|p| ids.contains(p) && *p != id(item)) {
            Some(p) => children.entry(p).or_default().push(index),
            None => roots.push(index),
        }
    }
    let mut order: Vec<(usize, usize)> = Vec::with_capacity(items.len());
    let mut placed = vec![false; items.len()];
    let visit = |start: usize, order: &mut Vec<(usize, usize)>, placed: &mut Vec<bool>| {
        let mut stack = vec![(start, 0usize)];
        while let Some((index, depth)) = stack.pop() {
            if placed[index] {
                continue;
            }
            placed[index] = true;
            order.push((index, depth.min(MAX_DEPTH)));
            if let Some(replies) = children.get(&id(&items[index])) {
                for &reply in replies.iter().rev() {
                    stack.push((reply, depth + 1));
                }
            }
        }
    };
    for &root in &roots {
        visit(root, &mut order, &mut placed);
    }
    // Items only reachable through a cycle (a → b → a): shown at the top level.
    for index in 0..items.len() {
        if !placed[index] {
            visit(index, &mut order, &mut placed);
        }
    }
    let mut slots: Vec<Option<T>> = items.into_iter().map(Some).collect();
    order
        .into_iter()
        .filter_map(|(index, depth)| slots[index].take().map(|item| (item, depth)))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(items: &[(i64, Option<i64>)]) -> Vec<(i64, usize)> {
        thread(items.to_vec(), |c| c.0, |c| c.1)
            .into_iter()
            .map(|(c, depth)| (c.0, depth))
            .collect()
    }

    #[test]
    fn replies_follow_what_they_answer_depth_first() {
        assert_eq!(
            run(&[
                (1, None),
                (2, None),
                (3, Some(1)),
                (4, Some(3)),
                (5, Some(1)),
                (6, Some(2))
            ]),
            vec![(1, 0), (3, 1), (4, 2), (5, 1), (2, 0), (6, 1)]
        );
    }

    #[test]
    fn orphans_cycles_and_deep_threads_are_all_shown() {
        assert_eq!(run(&[(1, Some(99)), (2, Some(1))]), vec![(1, 0), (2, 1)]);
        assert_eq!(run(&[(1, Some(2)), (2, Some(1))]), vec![(1, 0), (2, 1)]);
        assert_eq!(run(&[(1, Some(1))]), vec![(1, 0)]);
        let chain: Vec<(i64, Option<i64>)> =
            (1..=7).map(|i| (i, (i > 1).then_some(i - 1))).collect();
        let depths: Vec<usize> = run(&chain).into_iter().map(|(_, d)| d).collect();
        assert_eq!(depths, vec![0, 1, 2, 3, 4, 4, 4]);
    }
}
