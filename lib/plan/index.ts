export { planDeletions, type Candidate, type Evidence, type Kept, type KeptCause, type Plan, type PlanSettings } from './plan';
export { selectProjects, type ProjectSelection } from './select-projects';
