"""One Dagster resource per external system (where every API is called), the warehouse and the tracker."""
