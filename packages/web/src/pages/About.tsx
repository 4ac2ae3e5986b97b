import { Empty } from '../components/States';

export function About() {
  return <Empty title="Coming soon." />;
}
