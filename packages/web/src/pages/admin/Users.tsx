import { Empty } from '../../components/States';

export function Users() {
  return <Empty title="Coming soon." />;
}
