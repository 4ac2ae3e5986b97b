import { Empty } from '../../components/States';

export function CustomFields() {
  return <Empty title="Coming soon." />;
}
