"""The append-only audit trigger gains the two explicit paths data protection needs (portal/privacy):

* retention: a DELETE of a row older than the cut-off that the pruning transaction itself names with
  `SET LOCAL portal.audit_prune_before = '<timestamp>'` (portal.privacy.retention);
* erasure: an UPDATE, in a transaction that said `SET LOCAL portal.audit_erasure = 'on'`, that replaces a
  person's name and contact details (actor_label, object_repr, old, new, note) and changes nothing else: the
  row keeps its partnership, time, action, object and actor (portal.privacy.erasure).

Any other UPDATE or DELETE is refused as before. Both settings are transaction-local, so they end with the
transaction that set them, and each path writes an audit event of its own.
"""

from django.db import migrations

FORWARD = """
CREATE OR REPLACE FUNCTION portal_auditevent_append_only() RETURNS trigger AS $$
BEGIN
    -- Forgetting a deleted user (actor SET NULL), keeping actor_label.
    IF TG_OP = 'UPDATE' AND NEW.actor_id IS NULL AND OLD.actor_id IS NOT NULL
       AND NEW.action = OLD.action AND NEW.created_at = OLD.created_at
       AND NEW.partnership_id = OLD.partnership_id AND NEW.actor_label = OLD.actor_label
       AND NEW.object_id = OLD.object_id AND NEW.old = OLD.old AND NEW.new = OLD.new
       AND NEW.note = OLD.note THEN
        RETURN NEW;
    END IF;
    -- Erasure: the texts may change, the row's shape may not.
    IF TG_OP = 'UPDATE' AND coalesce(current_setting('portal.audit_erasure', true), '') = 'on'
       AND NEW.id = OLD.id AND NEW.partnership_id = OLD.partnership_id AND NEW.created_at = OLD.created_at
       AND NEW.action = OLD.action AND NEW.object_type_id IS NOT DISTINCT FROM OLD.object_type_id
       AND NEW.object_id = OLD.object_id AND NEW.actor_id IS NOT DISTINCT FROM OLD.actor_id THEN
        RETURN NEW;
    END IF;
    -- Retention: only rows older than the cut-off this transaction named.
    IF TG_OP = 'DELETE' AND coalesce(current_setting('portal.audit_prune_before', true), '') <> ''
       AND OLD.created_at < current_setting('portal.audit_prune_before', true)::timestamptz THEN
        RETURN OLD;
    END IF;
    RAISE EXCEPTION 'portal_auditevent is append-only (% refused)', TG_OP;
END;
$$ LANGUAGE plpgsql;
"""

# The function as migration 0002 created it.
BACKWARD = """
CREATE OR REPLACE FUNCTION portal_auditevent_append_only() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'UPDATE' AND NEW.actor_id IS NULL AND OLD.actor_id IS NOT NULL
       AND NEW.action = OLD.action AND NEW.created_at = OLD.created_at
       AND NEW.partnership_id = OLD.partnership_id AND NEW.actor_label = OLD.actor_label
       AND NEW.object_id = OLD.object_id AND NEW.old = OLD.old AND NEW.new = OLD.new
       AND NEW.note = OLD.note THEN
        RETURN NEW;
    END IF;
    RAISE EXCEPTION 'portal_auditevent is append-only (% refused)', TG_OP;
END;
$$ LANGUAGE plpgsql;
"""


def forward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(FORWARD, params=None)


def backward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(BACKWARD, params=None)


class Migration(migrations.Migration):
    dependencies = [("portal", "0012_invitation_links")]
    operations = [migrations.RunPython(forward, backward)]
