from django.urls import path, re_path

from tsuchi.batches import designer_views, review_views, signing_views, views

app_name = "batches"

urlpatterns = [
    path("", views.batch_list, name="list"),
    path("new/", views.batch_create, name="create"),
    path("<int:batch_id>/", views.batch_detail, name="detail"),
    path("<int:batch_id>/progress.json", views.batch_progress, name="progress"),
    path("<int:batch_id>/upload/", views.batch_upload, name="upload"),
    path("<int:batch_id>/copy/", views.batch_copy, name="copy"),
    path("<int:batch_id>/paper.pdf", views.batch_print_file, name="print_file"),
    path("<int:batch_id>/cross-check.csv", views.batch_review_csv, name="review_csv"),
    path("<int:batch_id>/sign/", signing_views.batch_sign, name="sign"),
    path(
        "<int:batch_id>/notices-to-sign.zip",
        signing_views.batch_signing_package,
        name="signing_package",
    ),
    path(
        "<int:batch_id>/signing.json",
        signing_views.batch_signing_progress,
        name="signing_progress",
    ),
    re_path(
        r"^(?P<batch_id>[0-9]+)/(?P<action>submit|approve|return|cancel|send)/$",
        views.batch_action,
        name="action",
    ),
    path("<int:batch_id>/review/", review_views.review, name="review"),
    path(
        "<int:batch_id>/notices/<int:sequence>/",
        review_views.notice_review,
        name="notice_review",
    ),
    path(
        "<int:batch_id>/notices/<int:sequence>/decide/",
        review_views.notice_decide,
        name="notice_decide",
    ),
    path(
        "<int:batch_id>/notices/<int:sequence>/pages/<int:page>.png",
        review_views.notice_page_image,
        name="notice_page",
    ),
    path(
        "<int:batch_id>/records/<int:row>/acknowledge/",
        review_views.record_acknowledge,
        name="record_acknowledge",
    ),
    path("profiles/", designer_views.profile_list, name="profiles"),
    path("profiles/<int:department_id>/designer/", designer_views.designer, name="designer"),
    path(
        "profiles/<int:department_id>/designer/save/",
        designer_views.designer_save,
        name="designer_save",
    ),
    path(
        "profiles/<int:department_id>/designer/preview/",
        designer_views.designer_preview,
        name="designer_preview",
    ),
    path(
        "profiles/<int:department_id>/designer/test/",
        designer_views.designer_test,
        name="designer_test",
    ),
    path(
        "profiles/<int:department_id>/designer/csv/",
        designer_views.csv_columns,
        name="designer_csv",
    ),
    path(
        "profiles/<int:department_id>/designer/sample/",
        designer_views.sample_upload,
        name="designer_sample",
    ),
    path(
        "profiles/<int:department_id>/designer/samples/<str:sample>/pages/<int:page>.png",
        designer_views.sample_page_image,
        name="designer_page",
    ),
    path(
        "profiles/<int:department_id>/designer/samples/<str:sample>/pages/<int:page>/boxes.json",
        designer_views.sample_page_boxes,
        name="designer_boxes",
    ),
    path(
        "profiles/<int:department_id>/<int:profile_id>/delete/",
        designer_views.profile_delete,
        name="profile_delete",
    ),
]
