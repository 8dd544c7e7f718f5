//! The records of the collections outside the core (applications, commands, policies, RADIUS
//! servers, IP lists, ...; see [`super::collections`]): kept as JSON objects by id, each in its
//! collection and scope (the ids of the path's parents: a Duo account for its applications).

use std::collections::HashMap;

use serde_json::{Map, Value};

use crate::fast_hash::FastMap;

/// One record.
#[derive(Debug, Clone)]
pub(crate) struct Object {
    /// Its collection's index in [`super::collections::table`].
    pub(crate) collection: usize,
    /// The parent ids of its path, joined by `/` ("" at the top level).
    pub(crate) scope: String,
    pub(crate) fields: Map<String, Value>,
}

/// Every record of one organisation.
#[derive(Debug, Default)]
pub(crate) struct Objects {
    by_id: FastMap<String, Object>,
    /// (collection, scope) -> ids in creation order.
    order: HashMap<(usize, String), Vec<String>>,
}

impl Objects {
    pub(crate) fn get(&self, id: &str) -> Option<&Object> {
        self.by_id.get(id)
    }

    pub(crate) fn get_mut(&mut self, id: &str) -> Option<&mut Object> {
        self.by_id.get_mut(id)
    }

    /// A record of this collection and scope.
    pub(crate) fn find(&self, collection: usize, scope: &str, id: &str) -> Option<&Object> {
        self.by_id
            .get(id)
            .filter(|o| o.collection == collection && o.scope == scope)
    }

    pub(crate) fn insert(&mut self, id: String, object: Object) {
        self.order
            .entry((object.collection, object.scope.clone()))
            .or_default()
            .push(id.clone());
        self.by_id.insert(id, object);
    }

    /// The records of one collection and scope, in creation order.
    pub(crate) fn list(&self, collection: usize, scope: &str) -> impl Iterator<Item = &Object> {
        self.order
            .get(&(collection, scope.to_owned()))
            .into_iter()
            .flatten()
            .filter_map(|id| self.by_id.get(id))
    }

    /// The records of one collection in every scope.
    pub(crate) fn all_of(&self, collection: usize) -> impl Iterator<Item = (&String, &Object)> {
        self.by_id
            .iter()
            .filter(move |(_, o)| o.collection == collection)
    }

    /// The ids of the records nested under `id` (directly or deeper).
    pub(crate) fn nested_under(&self, id: &str) -> Vec<String> {
        self.by_id
            .iter()
            .filter(|(_, o)| !o.scope.is_empty() && o.scope.split('/').any(|p| p == id))
            .map(|(k, _)| k.clone())
            .collect()
    }

    /// Removes one record (not what is nested under it: see `JcStore::remove_edges`).
    pub(crate) fn remove(&mut self, id: &str) -> Option<Object> {
        let object = self.by_id.remove(id)?;
        if let Some(ids) = self
            .order
            .get_mut(&(object.collection, object.scope.clone()))
        {
            ids.retain(|x| x != id);
        }
        Some(object)
    }
}
