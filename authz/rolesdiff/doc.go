// Package rolesdiff says what a change to the permission model does before
// it is made.
//
// Compare lists what changes between two roles files: entity types,
// permissions and roles added, removed or renamed, roles that grant more or
// less, policies whose rules change or are reordered. Decisions runs every
// policy of both files with the engine on a generated matrix of account
// types, team preferences, creators and held permissions, and lists the
// cases that decide differently.
//
// Impact answers, for an organisation's real assignments, who gains and who
// loses which permission on which entity when the model goes from one state
// to another: a new roles file (ForCatalogs), or one proposed write such as
// an assignment, a custom role's edit or an entity's move (ForWrite). It
// reads only the assignments that can change anything: those of roles whose
// permissions change, or on the entities a write touches.
package rolesdiff
