CREATE TABLE "schemas"."schema_versions" (
	"schema_id" uuid NOT NULL,
	"version" integer NOT NULL,
	"tenant_id" text NOT NULL,
	"name" text NOT NULL,
	"description" text NOT NULL,
	"status" text NOT NULL,
	"nodes" jsonb NOT NULL,
	"edges" jsonb NOT NULL,
	"created_by" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "schema_versions_schema_id_version_pk" PRIMARY KEY("schema_id","version")
);
--> statement-breakpoint
CREATE TABLE "schemas"."schemas" (
	"id" uuid PRIMARY KEY NOT NULL,
	"tenant_id" text NOT NULL,
	"name" text NOT NULL,
	"description" text DEFAULT '' NOT NULL,
	"status" text NOT NULL,
	"version" integer NOT NULL,
	"nodes" jsonb NOT NULL,
	"edges" jsonb NOT NULL,
	"webhook_secret" text NOT NULL,
	"webhook_secret_rotated_at" timestamp with time zone DEFAULT now() NOT NULL,
	"created_by" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	"deleted_at" timestamp with time zone,
	"deleted_by" text,
	CONSTRAINT "schemas_status_check" CHECK ("schemas"."schemas"."status" in ('draft', 'active', 'archived')),
	CONSTRAINT "schemas_version_check" CHECK ("schemas"."schemas"."version" >= 1)
);
--> statement-breakpoint
ALTER TABLE "schemas"."schema_versions" ADD CONSTRAINT "schema_versions_schema_id_schemas_id_fk" FOREIGN KEY ("schema_id") REFERENCES "schemas"."schemas"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "schemas_tenant_live_created_idx" ON "schemas"."schemas" USING btree ("tenant_id","created_at") WHERE "schemas"."schemas"."deleted_at" is null;--> statement-breakpoint
CREATE INDEX "schemas_tenant_deleted_idx" ON "schemas"."schemas" USING btree ("tenant_id","deleted_at") WHERE "schemas"."schemas"."deleted_at" is not null;--> statement-breakpoint
CREATE UNIQUE INDEX "schemas_tenant_live_name_idx" ON "schemas"."schemas" USING btree ("tenant_id",lower("name")) WHERE "schemas"."schemas"."deleted_at" is null;