// Public API of the uc-mesh package root: the mesh itself (MeshModule's entry, src/mesh/index.ts).
// CallData, the admin surface and the standalone node have their own entry points (uc-mesh/calldata,
// uc-mesh/admin, uc-mesh/standalone), so a host that imports only MeshModule loads nothing else.
// Importing has no side effect.
export * from './mesh/index.js';
