package preview

import "github.com/bastionhq/bastion/authz"

// tree is the entity tree at one moment.
type tree struct{ ents map[string]authz.Entity }

func newTree(list []authz.Entity) *tree {
	t := &tree{ents: map[string]authz.Entity{}}
	for _, e := range list {
		t.ents[e.ID] = e
	}
	return t
}

// chain is id and its ancestors, nearest first.
func (t *tree) chain(id string) []string {
	var out []string
	for d := 0; id != "" && d < authz.MaxDepth; d++ {
		if _, ok := t.ents[id]; !ok {
			break
		}
		out = append(out, id)
		id = t.ents[id].ParentID
	}
	return out
}

// team is the workspace id lies in (id itself for a workspace), "" for
// an entity above every workspace.
func (t *tree) team(id string) string {
	for _, x := range t.chain(id) {
		if t.ents[x].Type == authz.TypeWorkspace {
			return x
		}
	}
	return ""
}

// with returns the tree with e saved in it.
func (t *tree) with(e authz.Entity) *tree {
	out := &tree{ents: make(map[string]authz.Entity, len(t.ents)+1)}
	for id, x := range t.ents {
		out.ents[id] = x
	}
	out.ents[e.ID] = e
	return out
}

// typesBelow maps each entity to the types found at it and below it.
func (t *tree) typesBelow() map[string]map[string]bool {
	out := map[string]map[string]bool{}
	for id, e := range t.ents {
		for _, x := range t.chain(id) {
			if out[x] == nil {
				out[x] = map[string]bool{}
			}
			out[x][e.Type] = true
		}
	}
	return out
}
