import { Empty } from '../../components/States';

export function Profiles() {
  return <Empty title="Coming soon." />;
}
